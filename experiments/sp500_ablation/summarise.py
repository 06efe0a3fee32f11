"""What each run of the S&P 500 ablation detects in its test period, under its own threshold
and each re-evaluation: flagged days per year (the false-alarm load, as the series has no
labels), events, and which of the large market moves it catches.

python experiments/sp500_ablation/summarise.py outputs/sp500_ablation/<time>
writes <folder>/ablation.csv (one row per run and threshold) and prints Markdown tables.
"""

import sys
from pathlib import Path

import pandas as pd
import yaml

# Large one-day falls of the index. A move counts as caught when a flag falls on the row of
# the move or on one of the next `window - 1` rows: the windows that contain it.
LARGE_MOVES = {
    "1987-10-19": "Oct 1987",
    "2008-10-15": "Oct 2008",
    "2011-08-08": "Aug 2011",
    "2015-08-24": "Aug 2015",
    "2018-02-05": "Feb 2018",
    "2020-03-16": "Mar 2020",
}
TRADING_DAYS_PER_YEAR = 252
FACTORS = ["target", "transform", "window", "dropout"]


def caught_moves(scores: pd.DataFrame, window: int) -> tuple[list[str], list[str]]:
    """The large moves inside the test period, and those of them a flag catches."""
    test = scores[scores["split"] == "test"].reset_index(drop=True)
    inside, caught = [], []
    for day, name in LARGE_MOVES.items():
        at = test["timestamp"].searchsorted(pd.Timestamp(day))
        if at == 0 or at >= len(test):
            continue  # before or after the test period
        inside.append(name)
        if test["is_anomaly"].iloc[at : at + window].any():
            caught.append(name)
    return inside, caught


def threshold_rows(run_dir: Path, settings: dict) -> list[dict]:
    """One row per threshold: the run's own, then each evaluation's."""
    window = settings["data"]["window"]
    folders = [(run_dir, settings["threshold"]["name"])]
    for evaluation in sorted((run_dir / "evaluations").glob("*")):
        folders.append((evaluation, evaluation.name))
    rows = []
    for folder, threshold in folders:
        scores = pd.read_csv(folder / "scores.csv", parse_dates=["timestamp"])
        events = pd.read_csv(folder / "events.csv")
        test = scores["split"] == "test"
        flagged = int(scores.loc[test, "is_anomaly"].sum())
        inside, caught = caught_moves(scores, window)
        rows.append(
            {
                "run": run_dir.name,
                "target": settings["model"]["target"],
                "transform": settings["data"]["transform"],
                "window": window,
                "dropout": settings["model"]["dropout"],
                "seed": settings["seed"],
                "threshold": threshold,
                "threshold_value": float(scores.loc[test, "threshold"].median()),
                "test_days_flagged": flagged,
                "flagged_days_per_year": flagged / (test.sum() / TRADING_DAYS_PER_YEAR),
                "test_events": int((events["split"] == "test").sum()),
                "moves_in_test": ", ".join(inside),
                "moves_caught": ", ".join(caught) or "none",
                "n_moves_caught": len(caught),
            }
        )
    return rows


def markdown(frame: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * frame.shape[1]]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def main(folder: Path) -> None:
    rows = []
    for run_dir in sorted(p for p in folder.iterdir() if (p / "metrics.json").exists()):
        settings = yaml.safe_load((run_dir / "config.yaml").read_text())
        rows.extend(threshold_rows(run_dir, settings))
    table = pd.DataFrame(rows)
    table.to_csv(folder / "ablation.csv", index=False)
    own = table[table["threshold"] == "quantile"]
    by_config = (
        own.groupby(FACTORS)
        .agg(
            runs=("seed", "count"),
            days_per_year=("flagged_days_per_year", "mean"),
            test_events=("test_events", "mean"),
            moves_caught=("n_moves_caught", "mean"),
        )
        .round(2)
        .reset_index()
    )
    print(f"Moves inside the test period: {own['moves_in_test'].iloc[0]}\n")
    print("Threshold = 0.99 quantile of training scores, mean over seeds:\n")
    print(markdown(by_config))
    by_threshold = (
        table.groupby(["target", "transform", "threshold"])
        .agg(
            runs=("seed", "count"),
            days_per_year=("flagged_days_per_year", "mean"),
            moves_caught=("n_moves_caught", "mean"),
        )
        .round(2)
        .reset_index()
    )
    print("\nEvery threshold strategy, mean over windows, dropouts and seeds:\n")
    print(markdown(by_threshold))
    caught = own.groupby(["target", "transform"])["moves_caught"].agg(
        lambda c: "; ".join(sorted(set(c)))
    )
    print("\nMoves caught by at least one run (quantile threshold):\n")
    print(markdown(caught.reset_index()))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
