"""The Numenta Anomaly Benchmark in its own layout: data/<category>/<file>.csv + labels/.

The corpus is not bundled; `data.root` points at a copy. Label windows ([start, end]
timestamps in labels/combined_windows.json) become 0/1 labels on the rows they cover, ends
included. A file whose rows are out of order or repeat a timestamp (the full release has
one) is sorted stably and its duplicates averaged, as `data.order` and `data.duplicates` say.

Which series a run takes: one (`data.series`), a list (`data.file_list`, a file of
'<category>/<file>.csv' names, one per line), one category (`data.category`), or, with none
of these, every labeled series of every category present. A series named in the label file
whose file is absent (a copy without realKnownCause) is skipped with a log line when a
category or the whole corpus is taken, and is an error when named.

    tsadlab-train data=nab data.root=/path/to/nab data.series=realTweets/Twitter_volume_AAPL.csv
    tsadlab-train data=nab data.root=/path/to/nab data.category=realTweets   # every series
    tsadlab-train data=nab data.root=/path/to/nab                            # the whole corpus
"""

import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from tsadlab.data.collection import (
    CollectionDataConfig,
    collection_dataset,
    read_file_list,
    refuse_category_with_selection,
)
from tsadlab.data.config import DuplicatePolicy, OrderPolicy, Scaler
from tsadlab.data.csv_series import load_csv
from tsadlab.data.series import Dataset, Series
from tsadlab.data.sources import SourceExamples, register_source
from tsadlab.errors import DataError

WINDOWS_FILE = Path("labels") / "combined_windows.json"
log = logging.getLogger(__name__)


@dataclass
class NabDataConfig(CollectionDataConfig):
    """The Numenta Anomaly Benchmark: one series (`series`), a list (`file_list`), a category
    (`category`), or every labeled series present."""

    source: str = "nab"
    name: str = "nab"
    category: str | None = None
    scaler: Scaler = Scaler.minmax
    window: int = 100
    duplicates: DuplicatePolicy = DuplicatePolicy.mean
    order: OrderPolicy = OrderPolicy.sort


def nab_windows(root: str | Path) -> dict[str, list[list[str]]]:
    """The label windows of every series named in the corpus, present or not."""
    root = Path(root)
    path = root / WINDOWS_FILE
    if not (root / "data").is_dir() or not path.is_file():
        raise DataError(
            f"NAB root {root} must hold data/<category>/*.csv and {WINDOWS_FILE} "
            "(set data.root to the NAB folder)"
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"cannot parse {path} as JSON: {exc.msg} at line {exc.lineno}") from None


def nab_categories(root: str | Path) -> list[str]:
    """Category folders present under root/data."""
    return sorted(p.name for p in (Path(root) / "data").iterdir() if p.is_dir())


def nab_series_names(root: str | Path, category: str) -> list[str]:
    """'<category>/<file>.csv' of every labeled series of a category whose file is present."""
    windows = nab_windows(root)
    if category not in nab_categories(root):
        raise DataError(
            f"Received: data.category={category} (categories in {root}/data: "
            f"{', '.join(nab_categories(root))})"
        )
    return _present(root, [k for k in windows if k.split("/")[0] == category], category)


def nab_all_series(root: str | Path, log_skipped: bool = True) -> list[str]:
    """'<category>/<file>.csv' of every labeled series whose file is present (so of every
    category present)."""
    return _present(root, list(nab_windows(root)), "all categories" if log_skipped else None)


def _present(root: str | Path, labeled: list[str], what: str | None) -> list[str]:
    labeled = sorted(labeled)
    present = [k for k in labeled if (Path(root) / "data" / k).is_file()]
    if what and len(present) < len(labeled):
        log.info(
            "NAB %s: %d labeled series have no file here and are skipped",
            what,
            len(labeled) - len(present),
        )
    return present


def load_nab(root: str | Path, series: str, data: NabDataConfig | None = None) -> Series:
    """One NAB series ('<category>/<file>.csv') with its label windows as 0/1 labels."""
    data = data or NabDataConfig(root=str(root))
    windows = nab_windows(root)
    if series not in windows:
        raise DataError(
            f"Received: data.series={series} (not in {WINDOWS_FILE}; expected "
            "'<category>/<file>.csv', e.g. realTweets/Twitter_volume_AAPL.csv)"
        )
    loaded = load_csv(
        Path(root) / "data" / series,
        time_column="timestamp",
        value_columns=["value"],
        rows=data.rows,
        missing=data.missing,
        duplicates=data.duplicates,
        order=data.order,
        name=series_name(series),
    )
    labels = window_labels(loaded.timestamps, windows[series], series)
    return replace(loaded, labels=labels)


def nab_examples(folder: Path) -> SourceExamples:
    """A one-series corpus, and one whose label file is not JSON."""
    for name, labels in (
        ("good", '{"cat/a.csv": [["2020-01-01 05:00:00", "2020-01-01 06:00:00"]]}'),
        ("bad", "{not json"),
    ):
        (folder / name / "data" / "cat").mkdir(parents=True)
        (folder / name / "labels").mkdir()
        (folder / name / WINDOWS_FILE).write_text(labels)
        rows = [f"2020-01-01 {h:02d}:00:00,{h % 4}" for h in range(24)]
        (folder / name / "data" / "cat" / "a.csv").write_text("timestamp,value\n" + "\n".join(rows))
    return SourceExamples(
        valid=NabDataConfig(root=str(folder / "good"), category="cat"),
        malformed=NabDataConfig(root=str(folder / "bad"), category="cat"),
    )


@register_source(NabDataConfig, examples=nab_examples)
def load_nab_dataset(data: NabDataConfig) -> Dataset:
    """The one series `data.series`, the series of `data.file_list`, every labeled series of
    `data.category` whose file is present, or with none of these every labeled series
    present."""
    refuse_category_with_selection(data, data.category)
    selected = bool(data.category or data.series or data.file_list)
    available = nab_all_series(data.root, log_skipped=not selected)
    listed = None
    if data.category:
        listed = nab_series_names(data.root, data.category)
        if not listed:
            raise DataError(
                f"NAB category {data.category} in {data.root} has no labeled series whose file "
                f"is present (expected files under {Path(data.root) / 'data' / data.category})"
            )
    elif data.series or data.file_list:
        named = [data.series] if data.series else read_file_list(data.file_list)
        present = set(available)
        absent = [name for name in named if name not in present]
        if absent:
            where = (
                f"data.series={data.series}"
                if data.series
                else f"data.file_list={data.file_list} names {absent[0]}"
            )
            raise DataError(
                f"Received: {where} (no labeled series of that name has a file under "
                f"{Path(data.root) / 'data'}; expected '<category>/<file>.csv', e.g. "
                "realTweets/Twitter_volume_AAPL.csv)"
            )
    if not available:
        raise DataError(
            f"NAB root {data.root} has no labeled series whose file is present (expected "
            f"files data/<category>/<file>.csv named in {WINDOWS_FILE})"
        )
    return collection_dataset(
        data,
        available,
        lambda name: load_nab(data.root, name, data),
        listed=listed,
        run_name=series_name,
    )


def series_name(series: str) -> str:
    """A NAB series' name in run folders: '<category>__<file stem>'."""
    return series.removesuffix(".csv").replace("/", "__")


def window_labels(
    timestamps: pd.DatetimeIndex, windows: list[list[str]], series: str = "series"
) -> np.ndarray:
    """1 for every timestamp inside any [start, end] window (ends included), else 0.

    A window that covers no row (outside the series, or past `data.rows`) labels nothing and
    is logged; a window that is not [start, end] with start <= end is an error.
    """
    labels = np.zeros(len(timestamps), dtype=np.int8)
    outside = []
    for window in windows:
        start, end = _window_bounds(window, series)
        first = timestamps.searchsorted(start, side="left")
        last = timestamps.searchsorted(end, side="right")
        if first >= last:
            outside.append(window)
        labels[first:last] = 1
    if outside:
        log.warning(
            "%s: %d label window(s) cover no row of the series (%s .. %s), e.g. %s",
            series,
            len(outside),
            timestamps[0],
            timestamps[-1],
            outside[0],
        )
    return labels


def _window_bounds(window: object, series: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    where = f"label window {window!r} of {series} in {WINDOWS_FILE}"
    if not isinstance(window, list | tuple) or len(window) != 2:
        raise DataError(f"{where} must be [start, end]")
    try:
        start, end = (pd.Timestamp(str(t)) for t in window)
    except ValueError:
        raise DataError(f"{where}: start and end must be timestamps") from None
    if pd.isna(start) or pd.isna(end) or start > end:
        raise DataError(f"{where}: start must be a timestamp no later than end")
    return start, end
