"""The zoo on NAB, from a finished (or partly finished) `tsadlab-bench benchmark=nab_zoo`
folder: per method the mean VUS-PR, PR-AUC and overlap F1 over the series every listed
method has, its average rank by each, the Friedman test, a critical-difference diagram per
metric, and seconds per series (the job's own run time: the budget of a study).

    python experiments/nab_zoo/analyse.py /work/runs/nab_zoo experiments/nab_zoo

Methods with unfinished series are ranked only on the series every method has finished;
the table says over how many. Deterministic methods give the same scores for every seed;
a method's value is its mean over the seeds it ran.
"""

import argparse
from pathlib import Path

import pandas as pd

from tsadlab.reporting.figures import cd_diagram
from tsadlab.reporting.stats import compare

METRICS = {"vus_pr": "VUS-PR", "pr_auc": "PR-AUC", "event_f1": "overlap F1"}
FAMILIES = {
    "random_score": "baseline",
    "rolling_zscore": "baseline",
    "isolation_forest": "baseline",
    "dense_ae": "deep: autoencoder",
    "conv_ae": "deep: autoencoder",
    "lstm_ae": "deep: autoencoder",
    "usad": "deep: autoencoder",
    "aer": "deep: autoencoder + regression",
    "lstm_forecaster": "deep: forecaster",
    "cnn_forecaster": "deep: forecaster",
    "lstm_dt": "deep: forecaster",
    "ensemble": "ensemble",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", type=Path, help="the benchmark's folder (hydra.sweep.dir)")
    parser.add_argument("out", type=Path, help="where the tables and figures go")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    long = pd.read_csv(args.bench / "results_long.csv")
    jobs = pd.read_csv(args.bench / "jobs.csv")
    finished = jobs[jobs["status"] == "finished"]
    rows, ranks, common = {}, {}, None
    for metric, label in METRICS.items():
        values = long[long["metric"] == metric].dropna(subset=["value"])
        matrix = values.pivot_table(index="series", columns="method", values="value")
        # the series every method has VUS-PR on (those with a labeled anomaly), for every
        # metric: F1 is defined on a series without one, but says nothing there
        common = matrix.dropna(axis=0, how="any").index if common is None else common
        matrix = matrix.loc[common]
        comparison = compare(matrix)
        ranks[metric] = comparison
        cd_diagram(comparison, label, args.out / f"cd_{metric}.png")
        for method in matrix.columns:
            row = rows.setdefault(method, {"family": FAMILIES.get(method, "subsequence")})
            row[label] = matrix[method].mean()
            row[f"rank ({label})"] = comparison.average_ranks[method]
    n_series = len(common)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table["s / series"] = finished.groupby("method")["seconds"].mean()
    table["jobs"] = finished.groupby("method").size()
    table = table.sort_values("rank (VUS-PR)")
    table.index.name = "method"
    table.to_csv(args.out / "zoo.csv", float_format="%.4f")
    lines = [
        f"mean over the {n_series} series every method has VUS-PR on (overlap F1: mean of "
        "per-series F1); rank: average rank over those series, 1 = best",
        "",
        "| method | family | VUS-PR | rank | PR-AUC | rank | overlap F1 | rank | s / series |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for method, r in table.iterrows():
        lines.append(
            f"| {method} | {r['family']} | {r['VUS-PR']:.3f} | {r['rank (VUS-PR)']:.1f} | "
            f"{r['PR-AUC']:.3f} | {r['rank (PR-AUC)']:.1f} | {r['overlap F1']:.3f} | "
            f"{r['rank (overlap F1)']:.1f} | {r['s / series']:.1f} |"
        )
    lines.append("")
    for metric, label in METRICS.items():
        comparison = ranks[metric]
        lines.append(
            f"Friedman test on {label}: chi2 = {comparison.friedman_statistic:.1f}, "
            f"p = {comparison.friedman_p:.2g} ({len(comparison.scores)} series, "
            f"{comparison.scores.shape[1]} methods); groups no Holm-corrected Wilcoxon test "
            f"separates: {len(comparison.cliques)}"
        )
    text = "\n".join(lines) + "\n"
    (args.out / "zoo.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
