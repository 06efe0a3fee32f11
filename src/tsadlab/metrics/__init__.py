"""Detection metrics against 0/1 labels: one registry, and the labeled report of a run.

A metric is a function of the evaluated rows (`LabeledRows`: labels, flags, scores and the
VUS buffer), registered with the numbers it reports as columns of per-series tables:

    @register_metric("point", Column("f1", "point_f1", "point F1", "max"))
    def point(rows: LabeledRows) -> dict: ...           # {"precision", "recall", "f1"}

    @register_metric("vus_pr", Column(None, "vus_pr", "VUS-PR", "max"), threshold_free=True)
    def vus_pr(rows: LabeledRows) -> float | None: ...

`threshold_free` metrics read the scores, the others the flags; `inflated` marks a metric
that rewards chance (point adjustment). Its value goes into metrics.json under `labeled.<name>`;
its columns into series.csv, report tables and search objectives (`val_<column>`).

Conventions: labels and flags are per-row booleans of one length; scores are per-row floats
where NaN marks a row no window reached (not flagged, left out of threshold-free measures).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tsadlab.errors import DataError
from tsadlab.intervals import flag_runs
from tsadlab.registry import Kind, Registry, origin


@dataclass(frozen=True)
class LabeledRows:
    """The rows a metric is computed on."""

    labels: np.ndarray  # bool
    flags: np.ndarray  # bool
    scores: np.ndarray  # float, NaN where unscored
    buffer: int  # VUS's largest buffer (TSB-AD: the series' dominant period)


@dataclass(frozen=True)
class Column:
    """One number a metric reports: `key` in its dict value (None: the value is the number),
    its column name, its label in tables, and which direction is better (None: neither)."""

    key: str | None
    column: str
    label: str
    direction: str | None = None
    headline: bool = True  # shown in report tables


@dataclass(frozen=True)
class Metric:
    """A registered metric."""

    name: str
    compute: Callable[[LabeledRows], Any]
    columns: tuple[Column, ...]
    threshold_free: bool
    inflated: bool
    origin: str

    def values(self, value: Any) -> dict[str, float | None]:
        """This metric's columns read from its value."""
        return {c.column: value if c.key is None else value[c.key] for c in self.columns}


METRICS: Registry[Metric] = Registry(Kind("metric", "metric", None, "tsadlab.metrics"))


def register_metric(
    name: str, *columns: Column, threshold_free: bool = False, inflated: bool = False
) -> Callable[[Callable], Callable]:
    """Register the decorated function as the metric `name`, reporting `columns`."""
    for column in columns:
        if column.direction not in ("max", "min", None):
            raise ValueError(f"metric {name}: direction must be max, min or None")

    def decorate(compute: Callable) -> Callable:
        METRICS.add(Metric(name, compute, columns, threshold_free, inflated, origin(compute)))
        return compute

    return decorate


def check_labels(labels: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels as booleans (0/1 or bool only), the same shape as `other`."""
    raw = np.asarray(labels)
    if raw.dtype != bool and not np.isin(raw, (0, 1)).all():
        bad = raw[~np.isin(raw, (0, 1))].ravel()[0]
        raise DataError(f"labels must be 0 or 1 (or bool); received {bad!r}")
    labels = raw.astype(bool)
    if labels.shape != np.shape(other):
        raise DataError(f"labels {labels.shape} and predictions {np.shape(other)} differ in shape")
    return labels, np.asarray(other)


def labeled_report(labels: np.ndarray, flags: np.ndarray, scores: np.ndarray, buffer: int) -> dict:
    """Every registered metric of one series' rows, with what they were computed on."""
    labels, flags = check_labels(labels, flags)
    labels, scores = check_labels(labels, scores)
    rows = LabeledRows(labels, flags.astype(bool), np.asarray(scores, dtype=np.float64), buffer)
    report = {metric.name: metric.compute(rows) for metric in METRICS}
    return {
        **report,
        "vus_buffer": buffer,
        "n_labeled_rows": int(labels.sum()),
        "n_labeled_events": len(flag_runs(labels)),
    }


@dataclass(frozen=True)
class DirectedColumn:
    """A per-series column that has a better direction: something to rank or tune by."""

    metric: str
    column: str
    direction: str  # max or min
    inflated: bool


def directed_columns() -> dict[str, DirectedColumn]:
    """Every per-series column with a better direction, by column name."""
    return {
        column.column: DirectedColumn(metric.name, column.column, column.direction, metric.inflated)
        for metric in METRICS
        for column in metric.columns
        if column.direction is not None
    }


def report_columns(report: dict) -> dict[str, float | None]:
    """The labeled report of one series as the flat columns of a per-series table."""
    columns: dict[str, float | None] = {}
    for metric in METRICS:
        if metric.name in report:
            columns.update(metric.values(report[metric.name]))
    return columns


def precision_recall_f1(tp: float, fp: float, fn: float) -> dict[str, float]:
    """Precision, recall and F1 of counts (0 where undefined)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
