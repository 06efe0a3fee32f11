"""Point-wise precision, recall and F1, and the point-adjusted (inflated) variant."""

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from tsadlab.intervals import flag_runs
from tsadlab.metrics import Column, LabeledRows, check_labels, register_metric

PA_NOTE = (
    "point adjustment credits a whole labeled run for one flagged row; random scores "
    "reach high PA-F1, so compare it only next to point and event F1"
)


def point_metrics(labels: np.ndarray, flags: np.ndarray) -> dict[str, float]:
    """Point-wise precision, recall and F1 of the positive class."""
    labels, flags = check_labels(labels, flags)
    p, r, f, _ = precision_recall_fscore_support(
        labels, flags.astype(bool), average="binary", zero_division=0
    )
    return {"precision": float(p), "recall": float(r), "f1": float(f)}


def point_adjust(labels: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """Flags with every labeled run that holds one flag marked detected in full (Xu et al.,
    WWW 2018). TSB-AD's `_adjust_predicts` walks back from a hit with `range(i, 0, -1)` and
    so never marks row 0 of a run starting there; here that row is marked too."""
    labels, flags = check_labels(labels, flags)
    adjusted = flags.astype(bool).copy()
    for first, last in flag_runs(labels):
        if adjusted[first : last + 1].any():
            adjusted[first : last + 1] = True
    return adjusted


@register_metric("point", Column("f1", "point_f1", "point F1", "max"))
def point_metric(rows: LabeledRows) -> dict[str, float]:
    """Point-wise precision, recall and F1 of the positive class."""
    return point_metrics(rows.labels, rows.flags)


@register_metric("point_adjusted", Column("f1", "pa_f1_inflated", "PA-F1", "max"), inflated=True)
def point_adjusted_metric(rows: LabeledRows) -> dict:
    """Point-wise scores after point adjustment (Xu et al., WWW 2018): one flagged row
    credits its whole labeled run."""
    scores = point_metrics(rows.labels, point_adjust(rows.labels, rows.flags))
    return {**scores, "inflated": True, "note": PA_NOTE}
