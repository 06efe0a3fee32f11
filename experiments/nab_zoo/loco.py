"""Leave-one-category-out choice of a method on NAB, against Orion's best pipeline per
category: for each category, the method with the best mean overlap F1 over the other four
categories is chosen, then reported on the held-out one. Nothing about a category's labels
decides what is reported on it.

    python experiments/nab_zoo/loco.py /work/runs/nab_zoo

Overlap F1 per category is micro-averaged over its series (their tp, fp and fn summed), as
Orion's benchmark counts it, then averaged over the seeds a method ran. Orion's figures are
in `experiments/nab_benchmark/orion_leaderboard.py`.
"""

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "nab_benchmark"))
from orion_leaderboard import CATEGORIES, leave_one_category_out, markdown


def category_f1(long: pd.DataFrame) -> pd.DataFrame:
    """Methods x categories: overlap F1 micro-averaged over a category's series, mean over
    seeds."""
    counts = long[long["metric"].isin(["event_tp", "event_fp", "event_fn"])].copy()
    counts["category"] = counts["series"].str.split("__").str[0]
    counts = counts[counts["category"].isin(CATEGORIES)]
    summed = counts.pivot_table(
        index=["method", "category", "seed"], columns="metric", values="value", aggfunc="sum"
    )
    tp, fp, fn = summed["event_tp"], summed["event_fp"], summed["event_fn"]
    f1 = (2 * tp / (2 * tp + fp + fn)).fillna(0.0)
    return f1.groupby(["method", "category"]).mean().unstack("category")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", type=Path, help="the benchmark's folder (hydra.sweep.dir)")
    args = parser.parse_args()
    f1 = category_f1(pd.read_csv(args.bench / "results_long.csv"))
    f1 = f1.dropna(axis=0, how="any")  # methods with every category
    table = leave_one_category_out(f1)
    print(markdown(table, index=False))
    wins = int((table["beats it"] == "yes").sum())
    print(f"\nbeats Orion's best pipeline on {wins} of {len(table)} categories")
    print("\nEvery method's overlap F1 per category (for reading, not for choosing):\n")
    print(markdown(f1))


if __name__ == "__main__":
    main()
