"""A CSV file of a time column (or none: rows are then numbered), value columns and an
optional 0/1 label column, read as a `Series`."""

import hashlib
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from tsadlab.data.config import DuplicatePolicy, MissingPolicy, OrderPolicy
from tsadlab.data.csv_parsing import (
    parse_labels,
    parse_numeric,
    parse_timestamps,
    read_frame,
    require_column,
)
from tsadlab.data.csv_repairs import Rows, fill_missing, merge_duplicates, put_in_order
from tsadlab.data.series import Series
from tsadlab.errors import DataError

log = logging.getLogger(__name__)


def load_csv(
    path: str | Path,
    time_column: str | None,
    value_columns: list[str],
    label_column: str | None = None,
    time_format: str | None = None,
    rows: int | None = None,
    missing: MissingPolicy = MissingPolicy.error,
    duplicates: DuplicatePolicy = DuplicatePolicy.error,
    order: OrderPolicy = OrderPolicy.error,
    name: str | None = None,
) -> Series:
    """Read one series from a CSV file; `rows` keeps the first data rows of the file.

    Rows out of time order are refused unless `order=sort` (a stable sort); repeated
    timestamps unless `duplicates` merges them; missing values unless `missing` fills or
    drops them. What was repaired is logged and kept in `Series.repairs`.
    """
    path = Path(path)
    missing, duplicates, order = (
        MissingPolicy(missing),
        DuplicatePolicy(duplicates),
        OrderPolicy(order),
    )
    frame = read_frame(path)
    if rows is not None:
        if rows < 1 or rows > len(frame):
            raise DataError(
                f"Received: data.rows={rows} for {path} (must be between 1 and {len(frame)}, "
                "the number of data rows in the file)"
            )
        frame = frame.iloc[:rows]
    wanted = [c for c in (time_column, *value_columns, label_column) if c]
    for column in wanted:
        require_column(frame, column, path)
    if time_column:
        timestamps = parse_timestamps(frame[time_column], time_format, path, time_column)
    else:
        timestamps = pd.RangeIndex(len(frame))
    values = np.column_stack([parse_numeric(frame[c], path, c) for c in value_columns])
    labels = parse_labels(frame[label_column], path, label_column) if label_column else None
    parsed = Rows(timestamps, values.astype(np.float64), labels, np.arange(len(frame)))
    repairs = {}
    if time_column:
        parsed, repairs["rows_moved_by_sort"] = put_in_order(
            parsed, order, duplicates, path, time_column
        )
    parsed = fill_missing(parsed, missing, path, value_columns)
    if time_column and duplicates is not DuplicatePolicy.error:
        parsed, repairs["duplicate_rows_merged"] = merge_duplicates(parsed, duplicates)
    repairs = {k: v for k, v in repairs.items() if v}
    if repairs:
        log.info(
            "%s: %s", path.name, ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in repairs.items())
        )
    return Series(
        name=name or path.stem,
        timestamps=parsed.timestamps,
        values=parsed.values,
        columns=tuple(value_columns),
        labels=parsed.labels,
        source=str(path.resolve()),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        repairs=repairs,
    )
