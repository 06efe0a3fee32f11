"""What a run found, in words: the events detected in the test period, each with its dates
and the largest move of the value inside it, or, when none was detected, the largest test
score and the threshold it stayed below.

A move is the change of the value from the previous row: in percent when the value is
positive everywhere (a price), else in the value's own units. A series of several columns
has no single value to follow, so its events are described by their peak score instead.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tsadlab.detection.frame import time_index, value_columns

# Events listed one per line; the rest are counted.
MAX_LISTED = 10


@dataclass(frozen=True)
class Finding:
    """The finding as lines of text (for the log and the anomalies page) and as a dict (for
    metrics.json, the text included)."""

    lines: list[str]
    record: dict

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class Moments:
    """Rows of a scores table named as a reader says them: dates for daily timestamps,
    full timestamps otherwise, row numbers for a series that has no times."""

    def __init__(self, times: pd.Index) -> None:
        self.times = times
        self.dated = isinstance(times, pd.DatetimeIndex)
        self.daily = self.dated and bool((times == times.normalize()).all())

    def name(self, row: int) -> str:
        """The row as '2015-08-24', '2020-01-01 10:05:00' or 'row 120'."""
        moment = self.times[row]
        if not self.dated:
            return f"row {moment}"
        return moment.strftime("%Y-%m-%d") if self.daily else str(moment)

    def at(self, row: int) -> str:
        """The row after a preposition: 'on 2015-08-24', 'at row 120'."""
        return f"{'on' if self.dated else 'at'} {self.name(row)}"

    def span(self, first: int, last: int) -> str:
        return self.name(first) if first == last else f"{self.name(first)} .. {self.name(last)}"

    def rows(self, column: pd.Series) -> np.ndarray:
        """Positions in the table of an events table's start, end or peak_time column."""
        return self.times.searchsorted(time_index(column))


def run_finding(frame: pd.DataFrame, events: pd.DataFrame, series: str) -> Finding:
    """What the run found in `series`, from its scores table (scores.csv) and its events
    table (events.csv): the test period's events (those with a row in it, so an event that
    runs on from the validation period counts), or its largest score when it has none, and
    how many events the training period holds. Without a test part (a run fitted and scored
    whole) the same is said of every row."""
    moments = Moments(time_index(frame["timestamp"]))
    test = (frame["split"] == "test").to_numpy()
    rows = np.flatnonzero(test) if test.any() else np.arange(len(frame))
    positions = pd.DataFrame({c: moments.rows(events[c]) for c in ("start", "end", "peak_time")})
    described = positions[test[positions["end"]]] if test.any() else positions
    record = {
        "series": series,
        "period": "test" if test.any() else "all",
        "start": moments.name(rows[0]),
        "end": moments.name(rows[-1]),
        "events": len(described),
    }
    period = moments.span(rows[0], rows[-1])
    if test.any():
        head = f"{series}: {_count(len(described))} detected in the test period ({period})"
    else:
        head = (
            f"{series}: no test period (the model and threshold were fitted on every row); "
            f"{_count(len(described))} detected over all rows ({period})"
        )
    if len(described):
        record["listed"] = _listed_events(frame, moments, described.iloc[:MAX_LISTED])
        lines = [f"{head}:", *(f"  {event['text']}" for event in record["listed"])]
        if len(described) > MAX_LISTED:
            lines.append(f"  ... and {len(described) - MAX_LISTED} more (events.csv)")
    else:
        scored = "test score" if test.any() else "score"
        why, record["largest_score"] = _largest_score(frame, moments, rows, scored)
        lines = [head + why]
    training = np.flatnonzero(~test)
    if test.any() and len(training):
        record["training_period_events"] = int((~test[positions["start"]]).sum())
        lines.append(
            f"Training period ({moments.span(training[0], training[-1])}): "
            f"{_count(record['training_period_events'])}, on data the model and threshold "
            "were fitted on (not a finding)."
        )
    return Finding(lines, {**record, "text": "\n".join(lines)})


def _count(n: int) -> str:
    return {0: "no event", 1: "1 event"}.get(n, f"{n} events")


def _listed_events(frame: pd.DataFrame, moments: Moments, positions: pd.DataFrame) -> list[dict]:
    """A record with a line of text for each event (its start, end and peak_time rows): its
    dates, its peak score and, for a single value column, its largest move."""
    columns = value_columns(frame)
    values = frame[columns[0]].to_numpy(dtype=float) if len(columns) == 1 else None
    percent = values is not None and _positive(values)
    listed = []
    for first, last, peak in positions.itertuples(index=False):
        n_rows = last - first + 1
        event = {
            "start": moments.name(first),
            "end": moments.name(last),
            "rows": n_rows,
            "peak_score": float(frame["score"].iloc[peak]),
            "peak_at": moments.name(peak),
        }
        text = f"{moments.span(first, last)} ({n_rows} row{'s' if n_rows > 1 else ''})"
        move = None if values is None else _largest_move(values, first, last, percent)
        if move is None:
            text += f": peak score {event['peak_score']:.4g} {moments.at(peak)}"
        else:
            change, row = move
            unit = "%" if percent else ""
            event["move"] = {"change": change, "unit": unit or "value", "at": moments.name(row)}
            text += f": largest move {change:+.2f}{unit} {moments.at(row)}"
        listed.append({**event, "text": text})
    return listed


def _positive(values: np.ndarray) -> bool:
    """Whether every finite value is above zero (and there is one): moves read as percent."""
    finite = values[np.isfinite(values)]
    return len(finite) > 0 and bool((finite > 0).all())


def _largest_move(
    values: np.ndarray, first: int, last: int, percent: bool
) -> tuple[float, int] | None:
    """(change, row) of the largest change from the previous row among rows first..last, in
    percent or in the value's units; None when no row there has a value before it."""
    start = max(first, 1)
    if start > last:
        return None
    before, now = values[start - 1 : last], values[start : last + 1]
    changes = 100 * (now / before - 1) if percent else now - before
    if not np.isfinite(changes).any():
        return None
    largest = int(np.nanargmax(np.abs(changes)))
    return float(changes[largest]), start + largest


def _largest_score(
    frame: pd.DataFrame, moments: Moments, rows: np.ndarray, scored: str
) -> tuple[str, dict | None]:
    """Why nothing was detected among `rows`, in words and as a record: their largest score,
    where, and the threshold it was compared with (None when no row there has a score)."""
    scores = frame["score"].to_numpy(dtype=float)[rows]
    if not np.isfinite(scores).any():
        return ": no row there has a score.", None
    row = int(rows[np.nanargmax(scores)])
    score, threshold = float(frame["score"].iloc[row]), float(frame["threshold"].iloc[row])
    text = (
        f": the largest {scored}, {score:.4g} {moments.at(row)}, stayed below the threshold "
        f"{threshold:.4g}."
    )
    return text, {"score": score, "at": moments.name(row), "threshold": threshold}
