"""Apply the selection rule of README.md to the runs of choose_default.sh: every candidate
(volatility x threshold x alignment) scored on its validation years, over three folds and
three seeds.

python experiments/sp500_moves/choose_default.py outputs/sp500_moves/choose_default_<time> [...]
writes selection.csv into the first folder (one row per run and candidate threshold) and
prints the table and the chosen candidate; several folders (rounds run with different
overrides) are pooled into one set of candidates.
"""

import sys
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from moves import load_close, markdown, measure_run

MAX_DAYS_PER_YEAR = 10.0
# ties go to the simpler preparation, then to the current default's threshold and alignment
SIMPLER = {"none": 0, "ewma": 1, "garch": 2}
CURRENT = "quantile-end"


def run_rows(run_dir: Path, fold: str, close: pd.Series) -> list[dict]:
    """One row per candidate threshold: each re-scoring of the run (choose_default.sh scores
    every candidate, the run's own threshold among them, as tsadlab-evaluate)."""
    settings = yaml.safe_load((run_dir / "config.yaml").read_text())
    folders = [(e, e.name) for e in sorted(run_dir.glob("evaluations/*"))]
    rows = []
    for folder, threshold in folders:
        found = measure_run(run_dir, close, scores_dir=folder)
        rows.append(
            {
                "fold": fold,
                "volatility": settings["data"]["volatility"],
                "error": settings["scoring"]["error"],
                "seed": settings["seed"],
                "threshold": threshold,
                "found": found.n_found,
                "days_per_year": found.days_per_year,
                "events": found.events,
                "run": str(run_dir),
            }
        )
    return rows


def candidates(table: pd.DataFrame) -> pd.DataFrame:
    """Mean over folds and seeds per candidate, each fold's mean found, feasibility, order."""
    per_fold = table.pivot_table(
        index=["volatility", "error", "threshold"], columns="fold", values="found", aggfunc="mean"
    )
    per_fold.columns = [f"found {c}" for c in per_fold.columns]
    summary = table.groupby(["volatility", "error", "threshold"]).agg(
        runs=("found", "size"),
        found=("found", "mean"),
        days_per_year=("days_per_year", "mean"),
        max_days_per_year=("days_per_year", "max"),
    )
    summary = summary.join(per_fold).reset_index()
    summary["feasible"] = summary["days_per_year"] <= MAX_DAYS_PER_YEAR
    summary["simpler"] = summary["volatility"].map(SIMPLER)
    summary["current"] = summary["threshold"] != CURRENT
    return summary.sort_values(
        ["feasible", "found", "days_per_year", "simpler", "current"],
        ascending=[False, False, True, True, True],
    ).drop(columns=["simpler", "current"])


def main(folders: list[Path]) -> None:
    close = load_close()
    rows = []
    for fold_dir in sorted(f for folder in folders for f in folder.glob("fold_*")):
        for run_dir in sorted(p for p in fold_dir.iterdir() if (p / "metrics.json").exists()):
            rows.extend(run_rows(run_dir, fold_dir.name.removeprefix("fold_"), close))
    table = pd.DataFrame(rows)
    table.to_csv(folders[0] / "selection.csv", index=False)
    summary = candidates(table)
    print(f"{len(table)} (run, threshold) rows from {table['run'].nunique()} runs\n")
    print(markdown(summary.round(2)))
    best = summary.iloc[0]
    if not best["feasible"]:
        print(f"\nno candidate flags {MAX_DAYS_PER_YEAR:g} validation days a year or fewer")
        return
    print(
        f"\nchosen: data.volatility={best['volatility']}, scoring.error={best['error']}, "
        f"threshold {best['threshold']}: "
        f"{best['found']:.2f} of the ten largest validation moves found on average, "
        f"{best['days_per_year']:.1f} flagged days a year"
    )


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]])
