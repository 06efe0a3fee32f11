r"""What each configuration of run.sh detects in its test period, per run and as mean and
spread over its seeds: test events and flagged rows, flagged days a year, and how many of the
ten largest daily moves of the test period lie within three trading days of a test event
(experiments/sp500_moves/moves.py, from the run folders and the bundled close alone).

python experiments/sp500_tutorial_vs_corrected/summarise.py \
    outputs/sp500_tutorial_vs_corrected/<time>
"""

import json
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sp500_moves"))
from moves import load_close, markdown, measure_run

CONFIGS = {
    "tutorial": "`experiment=sp500_tutorial`",
    "default": "(default)",
    "default_full": "`data=sp500_full`",
}


def run_row(config: str, run_dir: Path, close: pd.Series) -> dict:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    found = measure_run(run_dir, close)
    events = pd.read_csv(run_dir / "events.csv")
    test = events[events["split"] == "test"]
    spans = "; ".join(
        f"{s[:10]}..{e[:10]}" if s[:10] != e[:10] else s[:10]
        for s, e in zip(test["start"], test["end"], strict=True)
    )
    return {
        "config": config,
        "seed": metrics["seed"],
        "backend": metrics["backend"],
        "epochs": metrics["training"]["epochs_run"],
        "threshold": f"{metrics['threshold']['strategy']} = {metrics['threshold']['value']:.3g}",
        "test events": found.events,
        "test rows flagged": metrics["anomalies"]["rows"]["test"],
        "days / year": round(found.days_per_year, 1),
        "moves found (of 10)": found.n_found,
        "events": spans or "none",
        "wall s": round(metrics["timings_s"]["total"]),
    }


def spread(values: pd.Series) -> str:
    return f"{values.mean():.1f} ({values.min():g}-{values.max():g})"


def main(folder: Path) -> None:
    close = load_close()
    rows = [
        run_row(config, run_dir, close)
        for config in CONFIGS
        for run_dir in sorted((folder / config).glob("[0-9]*"))
        if (run_dir / "metrics.json").exists()
    ]
    table = pd.DataFrame(rows)
    print("Each run:\n")
    print(markdown(table))
    columns = ["test events", "test rows flagged", "days / year", "moves found (of 10)", "epochs"]
    summary = table.groupby("config", sort=False).agg(
        runs=("seed", "count"), **{c: (c, spread) for c in columns}
    )
    summary.insert(0, "command", [CONFIGS[c] for c in summary.index])
    print("\nMean (min-max) over seeds:\n")
    print(markdown(summary.reset_index()))
    for config in CONFIGS:
        finished = sorted((folder / config).glob("[0-9]*/metrics.json"))
        if finished:
            moves = measure_run(finished[0].parent, close).moves
            listed = ", ".join(
                f"{d:%Y-%m-%d} {m:+.1f}%" for d, m, _ in moves.itertuples(index=False)
            )
            print(f"\nthe ten largest moves of {config}'s test period: {listed}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
