"""What a file's rows may need before they are a series: time order, one row per timestamp,
and no missing values, each refused or repaired as `data.order`, `data.duplicates` and
`data.missing` say.

Errors name file lines (the header is line 1) even after rows were sorted or dropped: the
rows carry the file row each came from.
"""

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from tsadlab.data.config import DuplicatePolicy, MissingPolicy, OrderPolicy
from tsadlab.data.csv_parsing import file_line, file_lines
from tsadlab.errors import DataError


@dataclass(frozen=True)
class Rows:
    """Parsed rows of a file, each with the (0-based) data row of the file it came from."""

    timestamps: pd.Index
    values: np.ndarray
    labels: np.ndarray | None
    file_rows: np.ndarray

    def take(self, keep: np.ndarray) -> "Rows":
        labels = None if self.labels is None else self.labels[keep]
        return Rows(self.timestamps[keep], self.values[keep], labels, self.file_rows[keep])


def put_in_order(
    rows: Rows, order: OrderPolicy, duplicates: DuplicatePolicy, path: Path, column: str
) -> tuple[Rows, int]:
    """Rows in time order (sorted stably under `order=sort`; else an error naming the first
    line out of order), and no repeated time unless `duplicates` merges them; also how many
    rows sorting moved."""
    moved = 0
    steps = np.diff(rows.timestamps.asi8)
    if (steps < 0).any():
        if order is OrderPolicy.error:
            row = int(np.flatnonzero(steps < 0)[0])
            t, line = rows.timestamps, rows.file_rows
            raise DataError(
                f"timestamps in column '{column}' of {path} are not in increasing order: line "
                f"{file_line(line[row + 1])} ({t[row + 1]}) comes after line "
                f"{file_line(line[row])} ({t[row]}); sort the file by time (or set "
                "data.order=sort)"
            )
        permutation = np.argsort(rows.timestamps.asi8, kind="stable")
        moved = int((permutation != np.arange(len(permutation))).sum())
        rows = rows.take(permutation)
        steps = np.diff(rows.timestamps.asi8)
    repeated = np.flatnonzero(steps == 0)
    if len(repeated) and duplicates is DuplicatePolicy.error:
        first, second = rows.file_rows[repeated[0]], rows.file_rows[repeated[0] + 1]
        raise DataError(
            f"duplicate timestamp {rows.timestamps[repeated[0]]} in column '{column}' of {path} "
            f"at lines {file_line(first)} and {file_line(second)} (timestamps must be unique, "
            "or set data.duplicates to mean, first or last)"
        )
    return rows, moved


def fill_missing(rows: Rows, policy: MissingPolicy, path: Path, columns: list[str]) -> Rows:
    """Handle NaN and inf values (inf counts as missing) by the `data.missing` policy."""
    values = np.where(np.isfinite(rows.values), rows.values, np.nan)
    missing = np.isnan(values)
    if not missing.any():
        return replace(rows, values=values)
    bad = rows.file_rows[missing.any(axis=1)]
    if policy is MissingPolicy.error:
        raise DataError(
            f"missing or infinite values in {path} at line {file_lines(np.sort(bad))} (set "
            "data.missing to ffill, interpolate or drop)"
        )
    if policy is MissingPolicy.drop:
        keep = ~missing.any(axis=1)
        if not keep.any():
            raise DataError(f"every row of {path} has a missing value; nothing left after drop")
        return replace(rows, values=values).take(keep)
    frame = pd.DataFrame(values, index=rows.timestamps, columns=columns)
    if policy is MissingPolicy.ffill:
        filled = frame.ffill()
    else:  # in time where the rows have times, else evenly between neighbouring rows
        method = "time" if isinstance(rows.timestamps, pd.DatetimeIndex) else "index"
        filled = frame.interpolate(method=method, limit_area="inside")
    still = filled.isna().to_numpy().any(axis=1)
    if still.any():
        raise DataError(
            f"data.missing={policy.value} cannot fill the missing values at the start or end of "
            f"{path} (line {file_lines(np.sort(rows.file_rows[still]))}); use data.missing=drop"
        )
    return replace(rows, values=filled.to_numpy())


def merge_duplicates(rows: Rows, policy: DuplicatePolicy) -> tuple[Rows, int]:
    """One row per timestamp: values by `policy` (mean, first, last), labels by max; also how
    many rows the merge removed."""
    if rows.timestamps.is_unique:
        return rows, 0
    grouped = pd.DataFrame(rows.values, index=rows.timestamps).groupby(level=0, sort=False)
    merged = getattr(grouped, policy.value)()
    labels = rows.labels
    if labels is not None:
        by_time = pd.Series(labels, index=rows.timestamps).groupby(level=0, sort=False).max()
        labels = by_time.to_numpy().astype(np.int8)
    first_rows = pd.Series(rows.file_rows, index=rows.timestamps).groupby(level=0, sort=False)
    kept = Rows(
        pd.DatetimeIndex(merged.index),
        merged.to_numpy(),
        labels,
        first_rows.min().to_numpy(),
    )
    return kept, len(rows.timestamps) - len(kept.timestamps)
