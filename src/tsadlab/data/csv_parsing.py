"""Reading a CSV file's cells as a time series: its columns, timestamps, numbers and labels.

Every error names the file, the column and the file line (the header is line 1), and says
what would be accepted.
"""

import csv
import difflib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from tsadlab.errors import DataError

# data.time_format values for numeric times: seconds or milliseconds since 1970-01-01 UTC.
UNIX_UNITS = {"unix_s": "s", "unix_ms": "ms"}


def file_line(row: int) -> int:
    """File line of a data row (0-based), counting the header as line 1."""
    return row + 2


def file_lines(rows: np.ndarray, limit: int = 5) -> str:
    shown = ", ".join(str(file_line(int(r))) for r in rows[:limit])
    return shown + (f" (and {len(rows) - limit} more)" if len(rows) > limit else "")


def read_frame(path: Path) -> pd.DataFrame:
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


def require_column(frame: pd.DataFrame, column: str, path: Path) -> None:
    if column in frame.columns:
        return
    close = difflib.get_close_matches(column, list(frame.columns), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise DataError(
        f"column '{column}' not found in {path}; available columns: "
        f"{', '.join(frame.columns)}{hint}"
    )


def parse_timestamps(
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
            f"unparseable timestamps in column '{name}' of {path} at line {file_lines(bad)} "
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
            f"column '{name}' of {path} holds '{text.iloc[bad[0]]}' at line {file_lines(bad)} "
            f"(data.time_format={unit_name} expects numbers)"
        )
    try:
        return pd.DatetimeIndex(pd.to_datetime(numbers, unit=UNIX_UNITS[unit_name]))
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
        raise DataError(
            f"column '{name}' of {path} holds times outside 1677..2262 for "
            f"data.time_format={unit_name}"
        ) from None


def parse_numeric(column: pd.Series, path: Path, name: str) -> np.ndarray:
    text = column.str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    blank = text.str.lower().isin(["", "nan", "na", "null", "none"])
    bad = np.flatnonzero((numbers.isna() & ~blank).to_numpy())
    if len(bad):
        raise DataError(
            f"non-numeric values in column '{name}' of {path} at line {file_lines(bad)} "
            f"(first: '{text.iloc[bad[0]]}'; expected numbers with '.' as decimal point)"
        )
    return numbers.to_numpy(dtype=np.float64)


def parse_labels(column: pd.Series, path: Path, name: str) -> np.ndarray:
    numbers = pd.to_numeric(column.str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isin(numbers, [0.0, 1.0]))
    if len(bad):
        raise DataError(
            f"labels in column '{name}' of {path} must be 0 or 1; line {file_lines(bad)} "
            f"(first: '{column.iloc[bad[0]]}')"
        )
    return numbers.astype(np.int8)
