"""The model comparison's headline tables, from the report's runs.csv.

python experiments/model_comparison/summarise.py outputs/model_comparison/<time>

Prints Markdown: each model over all datasets (the mean of its per-dataset means over
seeds, for every metric, with its average rank), then overlap F1 and VUS-PR per dataset.
Writes <folder>/headline.csv (dataset x model: each metric's mean, std, ci95 and n).
"""

import sys
from pathlib import Path

import pandas as pd

from tsadlab.reporting import tables
from tsadlab.reporting.stats import compare

METRICS = {
    "metrics.event_micro.f1": "overlap F1 (micro)",
    "metrics.means.point_f1": "point F1",
    "metrics.means.pa_f1_inflated": "PA-F1 (inflated)",
    "metrics.means.pr_auc": "PR-AUC",
    "metrics.means.vus_pr": "VUS-PR",
    "metrics.total_seconds": "seconds per run",
}
PER_DATASET = ("metrics.event_micro.f1", "metrics.means.vus_pr")
DATASET, MODEL = "config.data.name", "config.model.name"


def headline(runs: pd.DataFrame) -> pd.DataFrame:
    """Per dataset and model (the index): mean, std, ci95 and n of every metric over the
    finished runs, as tsadlab-report's summary computes them."""
    return tables.summarise(runs, [DATASET, MODEL], list(METRICS)).set_index([DATASET, MODEL])


def wide(table: pd.DataFrame, metric: str, moment: str = "mean") -> pd.DataFrame:
    """Datasets x models of one moment of `metric`."""
    return table[f"{metric}:{moment}"].unstack(MODEL)


def by_model(table: pd.DataFrame) -> pd.DataFrame:
    """Each model's metrics averaged over datasets, and its average rank by overlap F1."""
    means = table[[f"{m}:mean" for m in METRICS]].rename(
        columns=lambda c: METRICS[c.removesuffix(":mean")]
    )
    summary = means.groupby(MODEL).mean()
    ranks = compare(wide(table, "metrics.event_micro.f1")).average_ranks
    summary.insert(0, "average rank (overlap F1)", ranks)
    summary.insert(1, "datasets", means.groupby(MODEL).size())
    return summary.sort_values("average rank (overlap F1)")


def per_dataset(table: pd.DataFrame, metric: str, order: list[str]) -> pd.DataFrame:
    """Datasets x models of `metric` as 'mean ± std' over seeds."""
    mean, std = wide(table, metric)[order], wide(table, metric, "std")[order]
    return mean.map("{:.3f}".format) + " ± " + std.map("{:.3f}".format)


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table of a frame of text cells, its index as the first column."""
    return tables.markdown_table(frame.reset_index(), {}, [])


def main(folder: Path) -> None:
    runs = pd.read_csv(folder / "report" / "runs.csv")
    table = headline(runs)
    table.to_csv(folder / "headline.csv")
    models = by_model(table)
    print("## Each model over the datasets\n")
    shown = models.map("{:.3f}".format).assign(
        datasets=models["datasets"], **{"seconds per run": models["seconds per run"].round()}
    )
    print(markdown(shown.rename_axis("model")))
    for metric in PER_DATASET:
        print(f"\n## {METRICS[metric]} by dataset (mean ± std over seeds)\n")
        print(markdown(per_dataset(table, metric, list(models.index)).rename_axis("dataset")))
    not_finished = runs[runs["state"] != "finished"]
    print(f"\n{len(runs)} runs, {len(not_finished)} not finished")
    for row in not_finished.itertuples():
        print(
            f"  {row.state} {row.run_dir}"
            + (f": {row.error}" if isinstance(row.error, str) else "")
        )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: summarise.py outputs/model_comparison/<time>")
    main(Path(sys.argv[1]))
