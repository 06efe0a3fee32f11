"""Range-based F1 (Tatbul et al., NeurIPS 2018) and event-based F1 (Garg et al., 2021), the
threshold-dependent measures TSB-AD reports beside VUS, as tsb-ad 1.5 computes them from a
run's own flags (`metric_RF1(preds=...)`, `metric_EventF1PA(preds=...)`); compared with that
code in `tests/test_metrics_reference.py`.

- Range recall: per labeled run, 0.2 x whether any row of it is flagged + 0.8 x the share of
  its rows flagged divided by how many flagged runs it meets (flat positional bias, the
  reciprocal cardinality factor); averaged over labeled runs. Range precision: the same
  with the roles swapped and no existence term.
- Event-based F1: recall over labeled runs (one flagged row finds a run), precision over
  rows.

Deliberate difference: TSB-AD's event list ends a run that reaches the last row one row
early, so a flag there does not find it; here it does.
"""

import numpy as np

from tsadlab.intervals import flag_runs
from tsadlab.metrics import Column, LabeledRows, register_metric
from tsadlab.metrics.points import point_metrics

EXISTENCE_WEIGHT = 0.2  # TSB-AD's alpha for range recall
EPSILON = 1e-15  # TSB-AD's, in the event-based F1's denominator


def range_recall(truth: np.ndarray, found: np.ndarray, alpha: float) -> float:
    """Tatbul et al.'s range recall of `found` against `truth` (both boolean rows)."""
    truth_runs, found_runs = flag_runs(truth), flag_runs(found)
    if len(truth_runs) == 0:
        return 0.0
    total = 0.0
    for first, last in truth_runs:
        covered = found[first : last + 1]
        meets = (found_runs[:, 0] <= last) & (found_runs[:, 1] >= first)
        cardinality = 1.0 / meets.sum() if meets.any() else 0.0
        total += alpha * covered.any() + (1 - alpha) * covered.mean() * cardinality
    return total / len(truth_runs)


def range_f1(labels: np.ndarray, flags: np.ndarray) -> float:
    """The harmonic mean of range recall (alpha 0.2) and range precision (alpha 0)."""
    recall = range_recall(labels, flags, EXISTENCE_WEIGHT)
    precision = range_recall(flags, labels, 0.0)
    return 0.0 if recall + precision == 0 else 2 * recall * precision / (recall + precision)


def event_based_f1(labels: np.ndarray, flags: np.ndarray) -> float | None:
    """Recall over labeled runs, precision over rows; None without a labeled run."""
    runs = flag_runs(labels)
    if len(runs) == 0:
        return None
    recall = np.mean([flags[first : last + 1].any() for first, last in runs])
    precision = point_metrics(labels, flags)["precision"]
    return float(2 * recall * precision / (recall + precision + EPSILON))


@register_metric("range_f1", Column(None, "range_f1", "range F1", "max"))
def range_f1_metric(rows: LabeledRows) -> float:
    """Range-based F1 (Tatbul et al.), as TSB-AD computes it from the run's flags."""
    return float(range_f1(rows.labels, rows.flags))


@register_metric("event_based_f1", Column(None, "event_based_f1", "event-based F1", "max"))
def event_based_f1_metric(rows: LabeledRows) -> float | None:
    """Event-based F1: recall over labeled runs, precision over rows (TSB-AD's)."""
    return event_based_f1(rows.labels, rows.flags)
