"""A report of many runs: the tables and figures of a paper, written into one folder (see
`tsadlab-report`)."""

from pathlib import Path

import pandas as pd

from tsadlab import artifacts
from tsadlab.errors import ArtifactError
from tsadlab.reporting import figures, tables
from tsadlab.reporting.collect import collect_runs, find_runs
from tsadlab.reporting.html import index_page
from tsadlab.reporting.result import Report
from tsadlab.reporting.stats import compare, score_matrix

# Config keys that name a dataset, in the order they are tried.
DATASET_KEYS = ("config.data.name", "config.data.series", "config.data.category")


def report(
    patterns: list[str],
    out: Path,
    metrics: list[str] | None = None,
    dataset_key: str | None = None,
    group_by: list[str] | None = None,
) -> Report:
    """Collect the runs matching `patterns` and write every table and figure into `out`.
    Groups are the config keys that vary, or `group_by` where given."""
    runs = collect_runs(find_runs(patterns))
    if runs.empty:
        raise ArtifactError(
            f"no runs found in {', '.join(patterns)} (a run is a folder with status.json)"
        )
    out = Path(out)
    finished = runs[runs["state"] == "finished"]
    varied = tables.varied_keys(finished)
    keys = group_by or varied
    require_columns(runs, keys, "config key", varied, "config.model.name")
    metrics = metrics or tables.headline_metrics(finished)
    require_columns(
        runs, metrics, "metric", tables.headline_metrics(finished), "metrics.training.epochs_run"
    )
    if dataset_key:
        require_columns(runs, [dataset_key], "config key", keys, "config.data.name")
    artifacts.write_csv(out / "runs.csv", runs)
    summary = tables.summarise(runs, keys, metrics)
    result = Report(out, runs, keys, metrics, summary)
    artifacts.write_csv(out / "not_finished.csv", runs[runs["state"] != "finished"])
    if not finished.empty:
        write_tables(result)
        write_figures(result)
        write_comparison(result, dataset_key)
    artifacts.write_text(out / "index.html", index_page(result))
    return result


def require_columns(
    runs: pd.DataFrame, wanted: list[str], kind: str, examples: list[str], fallback: str
) -> None:
    """One line naming the first wanted column that no run has, with columns that exist."""
    absent = [c for c in wanted if c not in runs]
    if absent:
        shown = ", ".join(examples[:3]) or fallback
        raise ArtifactError(
            f"no run has {kind} {absent[0]} (choose a column of runs.csv, e.g. {shown})"
        )


def write_tables(result: Report) -> None:
    """summary.csv (every number), summary.md and summary.tex (mean ± std, best in bold)."""
    artifacts.write_csv(result.out / "summary.csv", result.summary)
    shown = tables.display_table(result.summary, result.keys, result.metrics)
    best = tables.best_rows(result.summary, result.metrics)
    artifacts.write_text(
        result.out / "summary.md", tables.markdown_table(shown, best, result.metrics)
    )
    artifacts.write_text(
        result.out / "summary.tex", tables.latex_table(shown, best, result.metrics)
    )


def write_figures(result: Report) -> None:
    """One box plot per metric, then training curves and score distributions."""
    runs = figures.with_groups(result.runs, result.keys)
    folder = result.out / "figures"
    for metric in result.metrics:
        if runs[metric].notna().any():
            name = metric.removeprefix("metrics.").replace(".", "_")
            result.figures.append(figures.metric_by_group(runs, metric, folder / f"{name}.png"))
    for drawn in (
        figures.training_curves(runs, folder / "training_curves.png"),
        figures.score_distributions(runs, folder / "score_distributions.png"),
    ):
        if drawn:
            result.figures.append(drawn)


def write_comparison(result: Report, dataset_key: str | None) -> None:
    """With several datasets and methods: ranks, tests and the CD diagram of the first
    metric that has a better direction."""
    dataset_key = dataset_key or next((k for k in DATASET_KEYS if k in result.keys), None)
    if dataset_key is None:
        return
    # what varies within a dataset defines the methods; the rest describes the dataset
    within = result.runs.groupby(dataset_key)
    method_keys = [
        k for k in result.keys if k != dataset_key and within[k].nunique(dropna=False).max() > 1
    ]
    directions = {m: direction for m, (_, direction) in tables.headline().items()}
    metric = next((m for m in result.metrics if directions.get(m)), None)
    if not method_keys or metric is None:
        return
    runs = result.runs.copy()
    runs["method"] = [tables.group_label(row, method_keys) for _, row in runs.iterrows()]
    scores = score_matrix(runs, dataset_key, "method", metric)
    if len(scores) < 2 or scores.shape[1] < 2:
        return
    comparison = compare(scores, higher_is_better=directions[metric] == "max")
    result.comparison, result.comparison_metric = comparison, metric
    artifacts.write_csv(result.out / "ranks.csv", comparison.ranks.reset_index())
    artifacts.write_csv(result.out / "pairs.csv", comparison.pairs)
    artifacts.write_text(
        result.out / "comparison.md", tables.comparison_markdown(comparison, metric)
    )
    result.figures.append(
        figures.cd_diagram(comparison, metric, result.out / "figures" / "cd_diagram.png")
    )
