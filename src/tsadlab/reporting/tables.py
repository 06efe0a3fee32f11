"""Group finished runs by what varied between them, and summarise each metric over seeds:
mean, std, 95 % confidence interval, number of runs; written as CSV, Markdown and LaTeX."""

import math
import re

import numpy as np
import pandas as pd
from scipy import stats

from tsadlab.metrics import METRICS
from tsadlab.reporting.stats import ALPHA, RankComparison

# Config keys that never define a group: repeats, bookkeeping and where files live.
NOT_GROUPING = (
    "config.seed",
    "config.trainer.verbose",
    "config.trainer.resume",
    "config.trainer.resume_dir",
    "config.trainer.tensorboard",
    "config.data.path",
    "config.data.root",
)
# Run-level headline numbers that are not labeled metrics, after those, with the direction
# that is better.
RUN_HEADLINE = {
    "metrics.anomalies.events_test": ("test events", None),
    "metrics.anomalies.rows.test": ("test rows flagged", None),
    "metrics.training.best_monitor": ("best val loss", "min"),
    "metrics.training.epochs_run": ("epochs", None),
    "metrics.timings_s.total": ("seconds", "min"),
}


def headline() -> dict[str, tuple[str, str | None]]:
    """Every headline column of runs.csv, in the order tables show them, with its label and
    better direction: each registered metric's headline numbers of one series' run, the
    micro-averaged overlap F1 of a dataset run, the same numbers as means over its series,
    then the run-level numbers. Derived from the metric registry, so a new metric shows."""
    series, means = {}, {}
    for metric in METRICS:
        for column in metric.columns:
            if not column.headline:
                continue
            path = metric.name if column.key is None else f"{metric.name}.{column.key}"
            label = _label(column.label, metric.inflated)
            series[f"metrics.labeled.{path}"] = (label, column.direction)
            means[f"metrics.means.{column.column}"] = (
                _label(column.label, metric.inflated, "mean"),
                column.direction,
            )
    micro = {"metrics.event_micro.f1": ("overlap F1 (micro)", "max")}
    return {**series, **micro, **means, **RUN_HEADLINE}


def _label(label: str, inflated: bool, *notes: str) -> str:
    notes = (*notes, "inflated") if inflated else notes
    return f"{label} ({', '.join(notes)})" if notes else label


def varied_keys(runs: pd.DataFrame) -> list[str]:
    """Config columns with more than one value among the runs (seed and paths excluded)."""
    keys = []
    for column in runs.columns:
        tracker = column.startswith("config.logger")  # where a run was logged, not what ran
        if not column.startswith("config.") or column in NOT_GROUPING or tracker:
            continue
        # a key that only some runs have (a parameter of one model) varies with the model
        if runs[column].dropna().astype(str).nunique() > 1 and not _set_by_model(runs, column):
            keys.append(column)
    return keys


# keys a run resolves from its model when left at `auto` (scoring.alignment: the model's
# authors' alignment); a run records the resolved value
RESOLVED_FROM_MODEL = ("config.scoring.alignment",)


def _set_by_model(runs: pd.DataFrame, column: str) -> bool:
    """Whether `column` is one that the model resolves and takes one value per model here:
    it then varies only with the model and adds nothing to a method's name."""
    model = "config.model.name"
    if column not in RESOLVED_FROM_MODEL or model not in runs:
        return False
    per_model = runs[[model, column]].astype(str).groupby(model)[column].nunique()
    return bool((per_model <= 1).all())


def headline_metrics(runs: pd.DataFrame) -> list[str]:
    """The headline metrics that at least one run has."""
    return [m for m in headline() if m in runs and runs[m].notna().any()]


def label(metric: str) -> str:
    """A metric's name in tables and figures."""
    return headline().get(metric, (metric.removeprefix("metrics."), None))[0]


def group_label(row: pd.Series, keys: list[str]) -> str:
    """'model.name=gru_ae, data.window=60' for a group; 'all runs' when nothing varied."""
    if not keys:
        return "all runs"
    return ", ".join(f"{k.removeprefix('config.')}={_value(row[k])}" for k in keys)


def _value(value: object) -> object:
    # a column with a missing value is float in pandas: show 1, not 1.0
    return int(value) if isinstance(value, float) and value.is_integer() else value


def summarise(runs: pd.DataFrame, keys: list[str], metrics: list[str]) -> pd.DataFrame:
    """One row per group of finished runs: the group's keys, `runs`, and per metric its
    mean, std, ci95 (half-width, Student's t over the runs) and n (runs that have it)."""
    finished = runs[runs["state"] == "finished"]
    groups = finished.groupby(keys, dropna=False, sort=True) if keys else [((), finished)]
    rows = []
    for values, group in groups:
        values = values if isinstance(values, tuple) else (values,)
        row = {**dict(zip(keys, values, strict=True)), "runs": len(group)}
        for metric in metrics:
            row.update(_moments(group[metric].astype(float), metric))
        rows.append(row)
    return pd.DataFrame(rows)


def _moments(values: pd.Series, metric: str) -> dict:
    present = values.dropna().to_numpy()
    n = len(present)
    mean = float(present.mean()) if n else math.nan
    std = float(present.std(ddof=1)) if n > 1 else math.nan
    ci = float(stats.t.ppf(0.975, n - 1) * std / math.sqrt(n)) if n > 1 else math.nan
    return {f"{metric}:mean": mean, f"{metric}:std": std, f"{metric}:ci95": ci, f"{metric}:n": n}


def display_table(summary: pd.DataFrame, keys: list[str], metrics: list[str]) -> pd.DataFrame:
    """`mean ± std` text per metric (or the mean alone for one run), groups as labels."""
    table = pd.DataFrame({"group": [group_label(r, keys) for _, r in summary.iterrows()]})
    table["runs"] = summary["runs"].to_numpy()
    for metric in metrics:
        table[label(metric)] = [
            _mean_std(r[f"{metric}:mean"], r[f"{metric}:std"]) for _, r in summary.iterrows()
        ]
    return table


def _mean_std(mean: float, std: float) -> str:
    if math.isnan(mean):
        return "n/a"
    return f"{mean:.3f}" if math.isnan(std) else f"{mean:.3f} ± {std:.3f}"


def best_rows(summary: pd.DataFrame, metrics: list[str]) -> dict[str, set[int]]:
    """Per metric with a direction, the rows whose mean is the best (ties included)."""
    best = {}
    for metric in metrics:
        direction = headline().get(metric, (None, None))[1]
        means = summary[f"{metric}:mean"].to_numpy(dtype=float)
        if direction is None or np.isnan(means).all():
            continue
        target = np.nanmax(means) if direction == "max" else np.nanmin(means)
        best[metric] = set(np.flatnonzero(np.isclose(means, target)).tolist())
    return best


def markdown_table(table: pd.DataFrame, best: dict[str, set[int]], metrics: list[str]) -> str:
    """A pipe table with the best value of each column in bold."""
    bold = {label(m): rows for m, rows in best.items() if m in metrics}
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for i, row in table.iterrows():
        cells = [f"**{row[c]}**" if i in bold.get(c, ()) else str(row[c]) for c in table.columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def latex_table(table: pd.DataFrame, best: dict[str, set[int]], metrics: list[str]) -> str:
    """A booktabs tabular, best value per column in bold, ready for \\input in a paper."""
    bold = {label(m): rows for m, rows in best.items() if m in metrics}

    def cell(text: str, column: str, i: int) -> str:
        text = _latex_escape(str(text)).replace("±", "$\\pm$")
        return f"\\textbf{{{text}}}" if i in bold.get(column, ()) else text

    spec = "l" + "r" * (len(table.columns) - 1)
    lines = [
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
        " & ".join(_latex_escape(c) for c in table.columns) + " \\\\",
        "\\midrule",
    ]
    for i, row in table.iterrows():
        lines.append(" & ".join(cell(row[c], c, i) for c in table.columns) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"


LATEX_SPECIAL = re.compile(r"[\\&%$#_{}]")


def _latex_escape(text: str) -> str:
    return LATEX_SPECIAL.sub(
        lambda m: "\\textbackslash{}" if m.group() == "\\" else "\\" + m.group(), text
    )


def comparison_markdown(comparison: RankComparison, metric: str) -> str:
    """The datasets x methods table of a comparison (mean over seeds, the best of each
    dataset in bold, average ranks below), the Friedman test and the Holm-corrected pairs."""
    methods = list(comparison.average_ranks.index)  # best average rank first
    scores, ranks = comparison.scores[methods], comparison.ranks[methods]
    text = scores.map("{:.3f}".format)
    cells = text.mask(ranks.eq(ranks.min(axis=1), axis=0), "**" + text + "**")
    cells.loc["average rank"] = comparison.average_ranks.map("{:.2f}".format)
    n = f"{len(methods)} methods, {len(scores)} datasets"
    if comparison.friedman_p is None:
        friedman = f"Friedman test: needs at least 3 methods ({n})."
    else:
        friedman = (
            f"Friedman test: chi² = {comparison.friedman_statistic:.2f}, "
            f"p = {comparison.friedman_p:.3g} ({n})."
        )
    pairs = pd.DataFrame(
        {
            "method a": comparison.pairs["method_a"],
            "method b": comparison.pairs["method_b"],
            "Wilcoxon p": comparison.pairs["wilcoxon_p"].map("{:.3g}".format),
            "Holm p": comparison.pairs["holm_p"].map("{:.3g}".format),
            "different": comparison.pairs["different"].map({True: "yes", False: "no"}),
        }
    )
    return "\n".join(
        [
            f"# {label(metric)} by dataset and method",
            "",
            "Mean over seeds; the best of each dataset in bold; rank 1 is the best.",
            "",
            markdown_table(cells.rename_axis("dataset").reset_index(), {}, []),
            friedman,
            "",
            f"Pairwise Wilcoxon signed-rank tests over datasets, Holm-corrected (alpha {ALPHA}):",
            "",
            markdown_table(pairs, {}, []),
        ]
    )
