"""Leave-one-category-out choice of a method on NAB, against Orion's best pipeline per
category: for each category, the method with the best mean overlap F1 over the other four
categories is chosen, then reported on the held-out one. Nothing about a category's labels
decides what is reported on it.

    python experiments/nab_zoo/loco.py /work/runs/nab_zoo

Overlap F1 per category is micro-averaged over its series (their tp, fp and fn summed), as
Orion's benchmark counts it, then averaged over the seeds a method ran. Orion's figures are
its 0.7.1 leaderboard's best pipeline per category (`benchmark/leaderboard.xlsx`).
"""

import argparse
from pathlib import Path

import pandas as pd

ORION_BEST = {
    "artificialWithAnomaly": 0.750,
    "realAWSCloudwatch": 0.778,
    "realAdExchange": 0.783,
    "realTraffic": 0.649,
    "realTweets": 0.667,
}


def category_f1(long: pd.DataFrame) -> pd.DataFrame:
    """Methods x categories: overlap F1 micro-averaged over a category's series, mean over
    seeds."""
    counts = long[long["metric"].isin(["event_tp", "event_fp", "event_fn"])].copy()
    counts["category"] = counts["series"].str.split("__").str[0]
    counts = counts[counts["category"].isin(ORION_BEST)]
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
    lines = [
        "| held-out category | chosen on the other four | its mean F1 there | F1 here | "
        "Orion best | beats it |",
        "|---|---|---|---|---|---|",
    ]
    wins = 0
    for held_out, orion in ORION_BEST.items():
        others = f1.drop(columns=held_out).mean(axis=1)
        chosen = others.idxmax()
        here = f1.loc[chosen, held_out]
        wins += here > orion
        lines.append(
            f"| {held_out} | {chosen} | {others[chosen]:.3f} | {here:.3f} | {orion:.3f} | "
            f"{'yes' if here > orion else 'no'} |"
        )
    lines.append(f"\nbeats Orion's best pipeline on {wins} of {len(ORION_BEST)} categories")
    lines.append("\nEvery method's overlap F1 per category (for reading, not for choosing):\n")
    lines.append("| method | " + " | ".join(f1.columns) + " |")
    lines.append("|---" * (len(f1.columns) + 1) + "|")
    for method, row in f1.iterrows():
        lines.append(f"| {method} | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
