"""Threshold-free ranking measures: ROC-AUC and PR-AUC (average precision), scikit-learn's."""

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from tsadlab.metrics import Column, LabeledRows, check_labels, register_metric


def auc_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float | None]:
    """ROC-AUC and PR-AUC (average precision) of the scored rows; None without both classes."""
    labels, scores = check_labels(labels, scores)
    scored = np.isfinite(scores)
    y, s = labels[scored], scores[scored]
    if y.all() or not y.any():
        return {"roc_auc": None, "pr_auc": None}
    return {"roc_auc": float(roc_auc_score(y, s)), "pr_auc": float(average_precision_score(y, s))}


@register_metric(
    "auc",
    Column("roc_auc", "roc_auc", "ROC-AUC", "max", headline=False),
    Column("pr_auc", "pr_auc", "PR-AUC", "max"),
    threshold_free=True,
)
def auc_metric(rows: LabeledRows) -> dict[str, float | None]:
    """ROC-AUC and PR-AUC of the scored rows."""
    return auc_metrics(rows.labels, rows.scores)
