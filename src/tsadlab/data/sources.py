"""Data sources: each turns a setting into a validated `Series` (timestamps, values, labels)."""

import csv
import difflib
import hashlib
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from tsadlab.data.series import Series
from tsadlab.errors import DataError

SP500_FILE = "sp500_close.csv"
SP500_TUTORIAL_ROWS = 8192
MISSING_POLICIES = ("error", "ffill", "interpolate", "drop")
DUPLICATE_POLICIES = ("error", "mean", "first", "last")
# data.time_format values for numeric times: seconds or milliseconds since 1970-01-01 UTC.
UNIX_UNITS = {"unix_s": "s", "unix_ms": "ms"}


def sp500_path() -> Path:
    """Path of the bundled S&P 500 daily close (1986-01-02 .. 2020-04-17)."""
    return Path(str(resources.files("tsadlab.data").joinpath(SP500_FILE)))


def load_sp500(rows: int | None = SP500_TUTORIAL_ROWS, name: str = "sp500") -> Series:
    """The bundled S&P 500 close; `rows=8192` is the tutorial's period (to 2018-06-29)."""
    return load_csv(
        sp500_path(),
        time_column="date",
        value_columns=["close"],
        time_format="%Y/%m/%d",
        rows=rows,
        name=name,
    )


def load_csv(
    path: str | Path,
    time_column: str,
    value_columns: list[str],
    label_column: str | None = None,
    time_format: str | None = None,
    rows: int | None = None,
    missing: str = "error",
    name: str | None = None,
    duplicates: str = "error",
) -> Series:
    """Read a CSV of one time column, one or more value columns and an optional 0/1 label column."""
    path = Path(path)
    frame = _read_frame(path)
    if rows is not None:
        if rows < 1 or rows > len(frame):
            raise DataError(
                f"Received: data.rows={rows} for {path} (must be between 1 and {len(frame)}, "
                "the number of data rows in the file)"
            )
        frame = frame.iloc[:rows]
    wanted = [time_column, *value_columns] + ([label_column] if label_column else [])
    for column in wanted:
        _require_column(frame, column, path)
    timestamps = _parse_timestamps(frame[time_column], time_format, path, time_column)
    values = np.column_stack([_parse_numeric(frame[c], path, c) for c in value_columns]).astype(
        np.float64
    )
    labels = _parse_labels(frame[label_column], path, label_column) if label_column else None
    # Order is checked before rows can be dropped so that error lines match the file.
    if duplicates not in DUPLICATE_POLICIES:
        raise DataError(
            f"Received: data.duplicates={duplicates} (must be one of {DUPLICATE_POLICIES})"
        )
    _check_order(timestamps, path, time_column, allow_duplicates=duplicates != "error")
    timestamps, values, labels = _apply_missing_policy(
        timestamps, values, labels, missing, path, value_columns
    )
    if duplicates != "error":
        timestamps, values, labels = _merge_duplicates(timestamps, values, labels, duplicates)
    return Series(
        name=name or path.stem,
        timestamps=timestamps,
        values=values,
        columns=tuple(value_columns),
        labels=labels,
        source=str(path.resolve()),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


def _line(row: int) -> int:
    """File line of a data row (0-based), counting the header as line 1."""
    return row + 2


def _lines(rows: np.ndarray, limit: int = 5) -> str:
    shown = ", ".join(str(_line(int(r))) for r in rows[:limit])
    return shown + (f" (and {len(rows) - limit} more)" if len(rows) > limit else "")


def _read_frame(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"data file not found: {path} (set data.path to an existing CSV file)")
    if not path.is_file():
        raise DataError(f"data path is not a file: {path} (set data.path to a CSV file)")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # index_col=False: a row with an extra field must not turn column 1 into an index
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig", index_col=False
            )
    except pd.errors.EmptyDataError:
        raise DataError(f"data file is empty: {path} (expected a header line and rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0].replace("Error tokenizing data. C error: ", "")
        raise DataError(
            f"cannot parse {path} as CSV: {first} (expected comma-separated columns and '.' "
            "as decimal point)"
        ) from None
    other = [d for d in ";\t|" if len(frame.columns) == 1 and d in str(frame.columns[0])]
    if other:
        raise DataError(
            f"the header of {path} looks separated by {other[0]!r}; tsadlab reads "
            "comma-separated files with '.' as decimal point (convert the file)"
        )
    if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
        raise DataError(
            f"line {_longer_line(path)} of {path} has more fields than its header "
            "(every row needs one value per header column)"
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataError(f"data file has a header but no rows: {path}")
    return frame


def _longer_line(path: Path) -> int | str:
    """The first file line with more fields than the header."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle)
        width = len(next(rows, []))
        for row in rows:
            if len(row) > width:
                return rows.line_num
    return "?"


def _require_column(frame: pd.DataFrame, column: str, path: Path) -> None:
    if column in frame.columns:
        return
    close = difflib.get_close_matches(column, list(frame.columns), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise DataError(
        f"column '{column}' not found in {path}; available columns: "
        f"{', '.join(frame.columns)}{hint}"
    )


def _parse_timestamps(
    column: pd.Series, time_format: str | None, path: Path, name: str
) -> pd.DatetimeIndex:
    """Timestamps in the given format, else in the one format that fits every row; times with
    a UTC offset or zone become UTC (offsets may differ between rows, as across DST)."""
    text = column.str.strip()
    if time_format in UNIX_UNITS:
        return _parse_unix(text, time_format, path, name)
    formats = [time_format] if time_format else _candidate_formats(text.iloc[0])
    parsed = {fmt: _to_datetime(text, fmt, path, name) for fmt in formats}
    complete = {fmt: p for fmt, p in parsed.items() if not p.isna().any()}
    if len(complete) > 1:  # day and month both <= 12 in every row
        complete = {fmt: p for fmt, p in complete.items() if p.is_monotonic_increasing}
        if len(complete) != 1:
            raise DataError(
                f"ambiguous dates in column '{name}' of {path}: '{text.iloc[0]}' reads as "
                f"{' or as '.join(formats)} (set data.time_format to the one meant)"
            )
    result = next(iter(complete.values()), parsed[formats[0]])
    bad = np.flatnonzero(result.isna().to_numpy())
    if len(bad):
        fmt = f"format '{time_format}'" if time_format else "one consistent date format"
        raise DataError(
            f"unparseable timestamps in column '{name}' of {path} at line {_lines(bad)} "
            f"(first: '{text.iloc[bad[0]]}'; expected {fmt}, set data.time_format)"
        )
    index = pd.DatetimeIndex(result)
    return index.tz_convert("UTC").tz_localize(None) if index.tz is not None else index


def _candidate_formats(first: str) -> list[str | None]:
    """Formats the first timestamp may be in: month-first and day-first where both read it
    (01/02/2020); [None] lets pandas infer when neither guess works."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        month_first = guess_datetime_format(first)
        day_first = guess_datetime_format(first, dayfirst=True)
    if month_first and month_first.startswith("%Y"):
        return [month_first]  # year first: ISO order, never day-first
    formats = list(dict.fromkeys(f for f in (month_first, day_first) if f))
    return formats or [None]


def _to_datetime(text: pd.Series, fmt: str | None, path: Path, name: str) -> pd.Series:
    """pd.to_datetime with unparseable values as NaT; mixed UTC offsets converted to UTC."""
    with warnings.catch_warnings():
        # tsadlab reports unparseable rows itself, with their lines
        warnings.simplefilter("ignore", UserWarning)
        for utc in (False, True):
            try:
                return pd.to_datetime(text, format=fmt, errors="coerce", utc=utc)
            except (ValueError, TypeError) as exc:
                if utc or "timezone" not in str(exc).lower():
                    raise DataError(
                        f"cannot parse column '{name}' of {path} as timestamps: {exc}"
                    ) from None
    raise AssertionError("unreachable")


def _parse_unix(text: pd.Series, unit_name: str, path: Path, name: str) -> pd.DatetimeIndex:
    numbers = pd.to_numeric(text, errors="coerce")
    bad = np.flatnonzero(numbers.isna().to_numpy())
    if len(bad):
        raise DataError(
            f"column '{name}' of {path} holds '{text.iloc[bad[0]]}' at line {_lines(bad)} "
            f"(data.time_format={unit_name} expects numbers)"
        )
    try:
        return pd.DatetimeIndex(pd.to_datetime(numbers, unit=UNIX_UNITS[unit_name]))
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
        raise DataError(
            f"column '{name}' of {path} holds times outside 1677..2262 for "
            f"data.time_format={unit_name}"
        ) from None


def _parse_numeric(column: pd.Series, path: Path, name: str) -> np.ndarray:
    text = column.str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    blank = text.str.lower().isin(["", "nan", "na", "null", "none"])
    bad = np.flatnonzero((numbers.isna() & ~blank).to_numpy())
    if len(bad):
        raise DataError(
            f"non-numeric values in column '{name}' of {path} at line {_lines(bad)} "
            f"(first: '{text.iloc[bad[0]]}'; expected numbers with '.' as decimal point)"
        )
    return numbers.to_numpy(dtype=np.float64)


def _parse_labels(column: pd.Series, path: Path, name: str) -> np.ndarray:
    numbers = pd.to_numeric(column.str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isin(numbers, [0.0, 1.0]))
    if len(bad):
        raise DataError(
            f"labels in column '{name}' of {path} must be 0 or 1; line {_lines(bad)} "
            f"(first: '{column.iloc[bad[0]]}')"
        )
    return numbers.astype(np.int8)


def _apply_missing_policy(
    timestamps: pd.DatetimeIndex,
    values: np.ndarray,
    labels: np.ndarray | None,
    policy: str,
    path: Path,
    columns: list[str],
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray | None]:
    """Handle NaN and inf values (inf counts as missing) by the `data.missing` policy."""
    if policy not in MISSING_POLICIES:
        raise DataError(f"Received: data.missing={policy} (must be one of {MISSING_POLICIES})")
    values = np.where(np.isfinite(values), values, np.nan)
    missing = np.isnan(values)
    if not missing.any():
        return timestamps, values, labels
    bad_rows = np.flatnonzero(missing.any(axis=1))
    where = f"in {path} at line {_lines(bad_rows)}"
    if policy == "error":
        raise DataError(
            f"missing or infinite values {where} (set data.missing to ffill, interpolate or drop)"
        )
    if policy == "drop":
        keep = ~missing.any(axis=1)
        if not keep.any():
            raise DataError(f"every row of {path} has a missing value; nothing left after drop")
        return timestamps[keep], values[keep], None if labels is None else labels[keep]
    frame = pd.DataFrame(values, index=timestamps, columns=columns)
    filled = (
        frame.ffill()
        if policy == "ffill"
        else frame.interpolate(method="time", limit_area="inside")
    )
    still = np.flatnonzero(filled.isna().to_numpy().any(axis=1))
    if len(still):
        raise DataError(
            f"data.missing={policy} cannot fill the missing values at the start or end of {path} "
            f"(line {_lines(still)}); use data.missing=drop"
        )
    return timestamps, filled.to_numpy(), labels


def _merge_duplicates(
    timestamps: pd.DatetimeIndex, values: np.ndarray, labels: np.ndarray | None, policy: str
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray | None]:
    """One row per timestamp: values by `policy` (mean, first, last), labels by max."""
    if timestamps.is_unique:
        return timestamps, values, labels
    grouped = pd.DataFrame(values, index=timestamps).groupby(level=0, sort=False)
    merged = getattr(grouped, policy)()
    if labels is not None:
        labels = pd.Series(labels, index=timestamps).groupby(level=0, sort=False).max()
        labels = labels.to_numpy().astype(np.int8)
    return pd.DatetimeIndex(merged.index), merged.to_numpy(), labels


def _check_order(
    timestamps: pd.DatetimeIndex, path: Path, name: str, allow_duplicates: bool = False
) -> None:
    steps = np.diff(timestamps.asi8)
    dup = np.flatnonzero(steps == 0)
    if len(dup) and not allow_duplicates:
        row = int(dup[0])
        raise DataError(
            f"duplicate timestamp {timestamps[row]} in column '{name}' of {path} at lines "
            f"{_line(row)} and {_line(row + 1)} (timestamps must be unique, or set "
            "data.duplicates to mean, first or last)"
        )
    back = np.flatnonzero(steps < 0)
    if len(back):
        row = int(back[0])
        raise DataError(
            f"timestamps in column '{name}' of {path} are not in increasing order: line "
            f"{_line(row + 1)} ({timestamps[row + 1]}) comes after line {_line(row)} "
            f"({timestamps[row]}); sort the file by time"
        )
