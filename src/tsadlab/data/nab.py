"""The Numenta Anomaly Benchmark in its own layout: data/<category>/<file>.csv + labels/.

The corpus is not bundled; `root` points at a copy. Label windows ([start, end] timestamps in
labels/combined_windows.json) become 0/1 labels on the rows they cover, ends included.
"""

import json
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from tsadlab.data.series import Series
from tsadlab.data.sources import load_csv
from tsadlab.errors import DataError

WINDOWS_FILE = Path("labels") / "combined_windows.json"
log = logging.getLogger(__name__)


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
    labeled = sorted(k for k in windows if k.split("/")[0] == category)
    present = [k for k in labeled if (Path(root) / "data" / k).is_file()]
    if len(present) < len(labeled):
        log.info(
            "NAB %s: %d labeled series have no file here and are skipped",
            category,
            len(labeled) - len(present),
        )
    return present


def load_nab(
    root: str | Path,
    series: str,
    rows: int | None = None,
    missing: str = "error",
    duplicates: str = "error",
) -> Series:
    """One NAB series ('<category>/<file>.csv') with its label windows as 0/1 labels."""
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
        rows=rows,
        missing=missing,
        duplicates=duplicates,
        name=series.removesuffix(".csv").replace("/", "__"),
    )
    labels = window_labels(loaded.timestamps, windows[series], series)
    return replace(loaded, labels=labels)


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
