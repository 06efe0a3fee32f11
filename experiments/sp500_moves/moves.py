"""Does a finished S&P 500 run find the market's sudden moves? Measured from its folder and the
bundled close alone, without tsadlab's code, so that it checks the framework rather than
repeating it.

A run's period is the scored rows of its test part (scores.csv: split "test", a finite score);
for a run whose test part is validation years (data.test_start inside the training period)
that is the validation period. In that period:
- the largest moves are the `n` largest absolute daily changes of the close, in percent;
- a move is found when a detected event of the period (events.csv, with a row in it) starts at
  most `tolerance` trading days after it and ends at most `tolerance` trading days before it
  (trading days are the bundled file's rows);
- the false-alarm load is the flagged rows of the period per 252 trading days.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
CLOSE_FILE = ROOT / "src" / "tsadlab" / "data" / "sp500_close.csv"
TRADING_DAYS_PER_YEAR = 252
TOLERANCE_DAYS = 3
N_MOVES = 10


def load_close(path: Path = CLOSE_FILE) -> pd.Series:
    """The bundled close as the publisher's file has it: date (YYYY/MM/DD), close."""
    frame = pd.read_csv(path)
    return pd.Series(
        frame["close"].to_numpy(float), index=pd.to_datetime(frame["date"], format="%Y/%m/%d")
    )


def daily_moves(close: pd.Series) -> pd.Series:
    """Percent change of the close from the previous trading day (the first day has none)."""
    return (100 * (close / close.shift(1) - 1)).iloc[1:]


@dataclass(frozen=True)
class RunMoves:
    """What one run found among the largest moves of its period."""

    run: str
    start: str  # the period's first and last scored day
    end: str
    moves: pd.DataFrame  # day, move (%), found (bool), one row per largest move
    events: int  # detected events with a row in the period
    flagged_days: int
    days_per_year: float

    @property
    def n_found(self) -> int:
        return int(self.moves["found"].sum())

    def found_text(self) -> str:
        return ", ".join(
            f"{d:%Y-%m-%d} ({m:+.1f}%)" for d, m, f in self.moves.itertuples(index=False) if f
        )


def run_period(scores: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last scored day of the run's test part."""
    scored = scores[(scores["split"] == "test") & scores["score"].notna()]
    if scored.empty:
        raise ValueError("no scored test row in scores.csv")
    days = pd.to_datetime(scored["timestamp"])
    return days.min(), days.max()


def period_moves(
    close: pd.Series, start: pd.Timestamp, end: pd.Timestamp, n: int = N_MOVES
) -> pd.Series:
    """The n largest absolute daily moves (%) with their day inside start..end, by date."""
    moves = daily_moves(close)
    moves = moves[(moves.index >= start) & (moves.index <= end)]
    return moves.loc[moves.abs().nlargest(n).index].sort_index()


def found_moves(
    moves: pd.Series, events: pd.DataFrame, trading_days: pd.DatetimeIndex, tolerance: int
) -> np.ndarray:
    """For each move, whether an event (start, end columns) lies within `tolerance` trading
    days of it."""
    at = trading_days.searchsorted(moves.index)
    starts = trading_days.searchsorted(pd.to_datetime(events["start"]))
    ends = trading_days.searchsorted(pd.to_datetime(events["end"]))
    return np.array(
        [bool(((starts - tolerance <= i) & (i <= ends + tolerance)).any()) for i in at], bool
    )


def measure_run(
    run_dir: Path,
    close: pd.Series | None = None,
    n: int = N_MOVES,
    tolerance: int = TOLERANCE_DAYS,
    scores_dir: Path | None = None,
) -> RunMoves:
    """The run's largest moves found, events and false-alarm load, from run_dir (or from an
    evaluation folder of it, `scores_dir`, which holds its own scores.csv and events.csv)."""
    close = load_close() if close is None else close
    folder = scores_dir or run_dir
    scores = pd.read_csv(folder / "scores.csv")
    events = pd.read_csv(folder / "events.csv")
    start, end = run_period(scores)
    in_period = events[
        (pd.to_datetime(events["end"]) >= start) & (pd.to_datetime(events["start"]) <= end)
    ]
    moves = period_moves(close, start, end, n)
    found = found_moves(moves, in_period, close.index, tolerance)
    test = (scores["split"] == "test") & scores["score"].notna()
    flagged = int(scores.loc[test, "is_anomaly"].sum())
    return RunMoves(
        run=str(run_dir),
        start=f"{start:%Y-%m-%d}",
        end=f"{end:%Y-%m-%d}",
        moves=pd.DataFrame({"day": moves.index, "move": moves.to_numpy(), "found": found}),
        events=len(in_period),
        flagged_days=flagged,
        days_per_year=flagged / (int(test.sum()) / TRADING_DAYS_PER_YEAR),
    )


def markdown(frame: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * frame.shape[1]]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)
