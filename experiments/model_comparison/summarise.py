"""The model comparison's headline tables, from the report's runs.csv.

python experiments/model_comparison/summarise.py outputs/model_comparison/<time>

Prints Markdown: each model over all datasets (the mean of its per-dataset means over
seeds, for every metric, with its average rank), then overlap F1 and VUS-PR per dataset.
Writes <folder>/headline.csv (dataset x model x metric: mean, std, runs).
"""

import sys
from pathlib import Path

import pandas as pd

from tsadlab.reporting.tables import markdown_table

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
    """Per dataset and model: mean, std and number of finished runs of every metric."""
    finished = runs[runs["state"] == "finished"]
    grouped = finished.groupby([DATASET, MODEL])[list(METRICS)]
    return pd.concat(
        {"mean": grouped.mean(), "std": grouped.std(), "runs": grouped.count()}, axis=1
    )


def by_model(table: pd.DataFrame) -> pd.DataFrame:
    """Each model's metrics averaged over datasets, and its average rank by overlap F1."""
    means = table["mean"]
    ranks = means["metrics.event_micro.f1"].unstack(MODEL).rank(axis=1, ascending=False)
    summary = means.groupby(MODEL).mean().rename(columns=METRICS)
    summary.insert(0, "average rank (overlap F1)", ranks.mean())
    summary.insert(1, "datasets", means.groupby(MODEL).size())
    return summary.sort_values("average rank (overlap F1)")


def per_dataset(table: pd.DataFrame, metric: str, order: list[str]) -> pd.DataFrame:
    """Datasets x models of `metric` as 'mean ± std' over seeds."""
    mean = table[("mean", metric)].unstack(MODEL)[order]
    std = table[("std", metric)].unstack(MODEL)[order]
    return mean.map("{:.3f}".format) + " ± " + std.map("{:.3f}".format)


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table of a frame of text cells, its index as the first column."""
    return markdown_table(frame.reset_index(), {}, [])


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
