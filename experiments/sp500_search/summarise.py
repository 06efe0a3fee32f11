"""Summarise experiments/sp500_search/run.sh: wall times, speedup, and whether both searches ran
the same configurations and found the same best one.

    python experiments/sp500_search/summarise.py outputs/sp500_search/<time>
"""

import sys
from pathlib import Path

import pandas as pd

KEYS = [
    "model.encoder_units",
    "model.dropout",
    "model.learning_rate",
    "data.window",
    "trainer.batch_size",
]


def main(out: Path) -> None:
    wall = dict(line.split("=") for line in (out / "wall.txt").read_text().split())
    tables = {mode: pd.read_csv(next((out / mode).glob("*/trials.csv"))) for mode in ("one", "two")}
    for mode, trials in tables.items():
        done = trials[trials["status"] == "COMPLETED"]
        best = done.loc[done["objective"].idxmin()]
        print(
            f"{mode}: {len(trials)} trials, {len(done)} completed, wall "
            f"{float(wall[f'wall_seconds_{mode}']):.0f} s, sum of trial times "
            f"{trials['seconds'].sum():.0f} s (median {trials['seconds'].median():.0f} s); best "
            f"trial {best['trial']} val_loss {best['objective']:.5f}: "
            + " ".join(f"{k}={best[k]}" for k in KEYS)
        )
        if "worker" in trials:
            print(f"  trials per worker: {trials['worker'].value_counts().to_dict()}")
    configs = [set(map(tuple, t[KEYS].astype(str).to_numpy())) for t in tables.values()]
    print(f"same 20 configurations in both: {configs[0] == configs[1]}")
    speedup = float(wall["wall_seconds_one"]) / float(wall["wall_seconds_two"])
    print(f"speedup with 2 workers: {speedup:.2f}x")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
