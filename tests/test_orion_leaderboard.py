"""experiments/nab_benchmark/orion_leaderboard: Orion's realAdExchange figures count five of
NAB's six series, so a category run is recounted over those five from its series.csv, and a
run whose five cannot all be counted is never passed off with the six-series counts."""

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments" / "nab_benchmark"))
from orion_leaderboard import NOT_IN_ORION, leaves_out_series, micro_f1, orion_series_counts

ADEX = ["exchange-2_cpc", "exchange-2_cpm", "exchange-3_cpc", "exchange-3_cpm", "exchange-4_cpc"]


def write_category_run(root: Path, category: str, rows: list[tuple]) -> Path:
    """A category run folder whose series.csv holds (series, status, tp, fp, fn) rows."""
    run_dir = root / category
    run_dir.mkdir(parents=True)
    table = pd.DataFrame(rows, columns=["series", "status", "event_tp", "event_fp", "event_fn"])
    table.to_csv(run_dir / "series.csv", index=False)
    return run_dir


def adex_rows(status_of_left_out: str = "finished") -> list[tuple]:
    rows = [(f"realAdExchange__{name}_results", "finished", 2, 1, 0) for name in ADEX]
    rows[-1] = ("realAdExchange__exchange-4_cpc_results", status_of_left_out, 3, 1, 0)
    rows.append(("realAdExchange__exchange-4_cpm_results", "finished", 1, 2, 3))
    return rows


def test_only_realadexchange_leaves_a_series_out():
    assert leaves_out_series("realAdExchange")
    assert not any(leaves_out_series(c) for c in ("realTweets", "artificialWithAnomaly"))
    assert NOT_IN_ORION["realAdExchange"] == ("realAdExchange__exchange-4_cpc_results",)


def test_realadexchange_is_counted_without_exchange_4_cpc(tmp_path):
    run_dir = write_category_run(tmp_path, "realAdExchange", adex_rows())
    # five kept series: four of (2, 1, 0) and exchange-4_cpm's (1, 2, 3)
    assert orion_series_counts(run_dir) == (9, 6, 3)
    assert micro_f1(9, 6, 3) == 18 / 27


def test_a_left_out_series_that_failed_does_not_matter(tmp_path):
    run_dir = write_category_run(tmp_path, "realAdExchange", adex_rows("failed"))
    assert orion_series_counts(run_dir) == (9, 6, 3)


def test_a_kept_series_that_failed_or_a_missing_table_is_not_counted(tmp_path):
    rows = adex_rows()
    rows[0] = (rows[0][0], "failed", 0, 0, 0)
    assert orion_series_counts(write_category_run(tmp_path / "a", "realAdExchange", rows)) is None
    (tmp_path / "b" / "realAdExchange").mkdir(parents=True)
    assert orion_series_counts(tmp_path / "b" / "realAdExchange") is None
