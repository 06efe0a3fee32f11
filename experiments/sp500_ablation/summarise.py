"""What each run of the S&P 500 ablation finds in its test period, under its own threshold and
each re-evaluation: of the ten largest daily moves there, how many lie within three trading
days of a detected event, flagged days a year (the false-alarm load: the series has no
labels) and events. The measure is experiments/sp500_moves/moves.py, which reads the run
folders and the bundled close without tsadlab's code.

python experiments/sp500_ablation/summarise.py outputs/sp500_ablation/<time>
writes <folder>/ablation.csv (one row per run and threshold) and prints Markdown tables.
"""

import json
import sys
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sp500_moves"))
from moves import N_MOVES, load_close, markdown, measure_run

FACTORS = ["preparation", "error"]


def preparation(data: dict) -> str:
    if data["transform"] == "none":
        return "price"
    return data["transform"] + ("" if data["volatility"] == "none" else f" / {data['volatility']}")


def own_threshold(run_dir: Path) -> str:
    """The run's own threshold, named as tsadlab-evaluate names its folders."""
    metrics = json.loads((run_dir / "metrics.json").read_text())
    settings = yaml.safe_load((run_dir / "config.yaml").read_text())
    q = settings["threshold"].get("q")
    strategy = metrics["threshold"]["strategy"]
    params = f"-q{q}" if strategy == "quantile" and q != 0.99 else ""
    return f"{strategy}{params}-{settings['scoring']['alignment']}"


def run_rows(run_dir: Path, close: pd.Series) -> list[dict]:
    settings = yaml.safe_load((run_dir / "config.yaml").read_text())
    own = own_threshold(run_dir)
    # an evaluation under the run's own threshold repeats the run: counted once
    folders = {own: run_dir, **{e.name: e for e in sorted(run_dir.glob("evaluations/*"))}}
    rows = []
    for threshold, folder in folders.items():
        found = measure_run(run_dir, close, scores_dir=folder)
        days = found.moves.loc[found.moves["found"], "day"]
        rows.append(
            {
                "run": str(run_dir),
                "preparation": preparation(settings["data"]),
                "error": settings["scoring"]["error"],
                "seed": settings["seed"],
                "threshold": threshold,
                "own": threshold == own,
                "found": found.n_found,
                "days_per_year": found.days_per_year,
                "test_events": found.events,
                "moves_found": ", ".join(f"{d:%Y-%m-%d}" for d in days),
            }
        )
    return rows


def main(folder: Path) -> None:
    close = load_close()
    runs = sorted(p.parent for p in folder.glob("*/*/metrics.json"))
    table = pd.DataFrame([row for run_dir in runs for row in run_rows(run_dir, close)])
    table.to_csv(folder / "ablation.csv", index=False)
    moves = measure_run(runs[0], close).moves
    print(
        "The ten largest moves of the test period: "
        + ", ".join(f"{d:%Y-%m-%d} {m:+.1f}%" for d, m, _ in moves.itertuples(index=False))
    )
    summary = (
        table.groupby([*FACTORS, "threshold"])
        .agg(
            runs=("seed", "count"),
            found=("found", "mean"),
            found_min=("found", "min"),
            found_max=("found", "max"),
            days_per_year=("days_per_year", "mean"),
            days_per_year_max=("days_per_year", "max"),
            test_events=("test_events", "mean"),
        )
        .round(2)
        .reset_index()
    )
    print(f"\nOf the {N_MOVES} largest moves, found (mean, min, max over seeds):\n")
    print(markdown(summary))
    own = table[table["own"]]
    counts = {}
    for (prep, error), group in own.groupby(FACTORS):
        days = [d for found in group["moves_found"] for d in found.split(", ") if d]
        counts[(prep, error)] = pd.Series(days).value_counts().sort_index().to_dict()
    print("\nWhich moves each configuration finds under its own threshold (runs of 3):\n")
    for (prep, error), found in counts.items():
        listed = ", ".join(f"{d} ({n})" for d, n in found.items()) or "none"
        print(f"- {prep}, {error}: {listed}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
