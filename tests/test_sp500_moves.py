"""experiments/sp500_moves: the independent check of the S&P 500 targets reads run folders
(scores.csv, events.csv) and the bundled close, and passes or fails on what they hold."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments" / "sp500_moves"))
import check
from moves import TRADING_DAYS_PER_YEAR, load_close, measure_run, period_moves

CLOSE = load_close()
TEST = (pd.Timestamp("2012-02-07"), pd.Timestamp("2018-06-29"))


def write_run(folder: Path, events: list[tuple[str, str]], start=TEST[0], end=TEST[1]) -> Path:
    """A run folder over the tutorial's period whose test part is start..end, flagging the
    rows of `events` (first and last day of each)."""
    days = CLOSE.index[CLOSE.index <= end]
    split = np.where(days >= start, "test", "train")
    flags = np.zeros(len(days), int)
    for first, last in events:
        flags[(days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))] = 1
    folder.mkdir(parents=True)
    (folder / "status.json").write_text('{"status": "finished"}')
    pd.DataFrame(
        {
            "timestamp": days.strftime("%Y-%m-%d"),
            "value": CLOSE.loc[days].to_numpy(),
            "split": split,
            "score": 1.0,
            "threshold": 2.0,
            "is_anomaly": flags,
        }
    ).to_csv(folder / "scores.csv", index=False)
    pd.DataFrame(
        {
            "start": [f for f, _ in events],
            "end": [last for _, last in events],
            "split": ["test" if pd.Timestamp(f) >= start else "train" for f, _ in events],
        }
    ).to_csv(folder / "events.csv", index=False)
    return folder


def test_the_ten_largest_moves_are_the_publishers_closes():
    moves = period_moves(CLOSE, *TEST)
    assert len(moves) == 10
    # the February 2018 fall: 2762.13 -> 2648.94 on 2018-02-05
    assert moves.loc["2018-02-05"] == pytest.approx(100 * (2648.939941 / 2762.129883 - 1))
    changes = 100 * CLOSE.pct_change()
    inside = changes[(changes.index >= TEST[0]) & (changes.index <= TEST[1])]
    assert moves.abs().min() >= inside.abs().drop(moves.index).max()


def test_moves_are_found_within_three_trading_days_of_an_event(tmp_path):
    # 2015-08-21, 24, 26, 2015-09-01 (within 3 trading days of 08-27), and 2018-02-05, 02-08
    run = write_run(tmp_path / "run", [("2015-08-24", "2015-08-27"), ("2018-02-06", "2018-02-08")])
    found = measure_run(run, CLOSE)
    days = set(found.moves.loc[found.moves["found"], "day"].dt.strftime("%Y-%m-%d"))
    assert days == {
        "2015-08-21",
        "2015-08-24",
        "2015-08-26",
        "2015-09-01",
        "2018-02-05",
        "2018-02-08",
    }
    assert found.events == 2 and found.flagged_days == 4 + 3
    test_days = ((CLOSE.index >= TEST[0]) & (CLOSE.index <= TEST[1])).sum()
    assert found.days_per_year == pytest.approx(7 / (test_days / TRADING_DAYS_PER_YEAR))


def test_four_trading_days_away_is_not_found(tmp_path):
    # 2016-06-24 (Fri) is 4 trading days before 2016-06-30 (Thu)
    found = measure_run(write_run(tmp_path / "run", [("2016-06-30", "2016-07-05")]), CLOSE)
    assert found.n_found == 0


def test_check_passes_and_fails_on_what_the_folders_hold(tmp_path, capsys):
    good = write_run(
        tmp_path / "good",
        [("2015-08-21", "2015-09-01"), ("2016-06-24", "2016-06-24"), ("2018-02-05", "2018-02-08")],
    )
    assert check.main(["--default", str(good)]) == 0
    # an event a day all year: every move found, but far too many flagged days
    noisy = write_run(
        tmp_path / "noisy", [("2015-01-02", "2016-12-30"), ("2018-01-02", "2018-06-29")]
    )
    assert check.main(["--default", str(noisy)]) == 1
    assert "MISS" in capsys.readouterr().out
    full_end = pd.Timestamp("2020-04-17")
    start = pd.Timestamp("2014-01-02")
    march = write_run(tmp_path / "march", [("2020-03-09", "2020-03-20")], start, full_end)
    quiet = write_run(tmp_path / "quiet", [("2018-02-05", "2018-02-09")], start, full_end)
    assert check.main(["--full", str(march)]) == 0
    assert check.main(["--full", str(quiet)]) == 1
    # a folder that is not a finished run is a miss with its reason, not a traceback
    (quiet / "status.json").write_text('{"status": "running"}')
    assert check.main(["--default", str(quiet), "--full", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "not a finished run (status: running)" in out and "no readable status.json" in out
