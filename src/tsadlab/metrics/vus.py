"""VUS-PR: the volume under the range-PR surface (Paparrizos et al., VLDB 2022)."""

import numpy as np

from tsadlab.intervals import flag_runs
from tsadlab.metrics import Column, LabeledRows, check_labels, register_metric

VUS_THRESHOLDS = 250


def vus_pr(labels: np.ndarray, scores: np.ndarray, max_buffer: int) -> float | None:
    """Volume under the range-PR surface (Paparrizos et al., VLDB 2022).

    For each buffer length l in 0..max_buffer, labels gain sqrt(1 - d/l) ramps l//2 rows wide
    on both sides of each anomaly; range recall is weighted by the share of buffered anomalies
    hit; the PR area over 250 rank thresholds is averaged over l. None without anomalies.
    """
    labels, scores = check_labels(labels, scores)
    scored = np.isfinite(scores)
    y, s = labels[scored].astype(float), scores[scored]
    if not y.any() or y.all():
        return None
    runs = flag_runs(y.astype(bool))
    descending = np.sort(s)[::-1]
    thresholds = descending[np.linspace(0, len(s) - 1, VUS_THRESHOLDS).astype(int)]
    # n_flagged[j]: rows with score >= thresholds[j]; order lists rows by falling score.
    n_flagged = len(s) - np.searchsorted(np.sort(s), thresholds, side="left")
    order = np.argsort(-s, kind="stable")
    areas = [
        _range_pr_area(y, s, runs, buffer, thresholds, n_flagged, order)
        for buffer in range(max_buffer + 1)
    ]
    return float(np.mean(areas))


def _soft_labels(y: np.ndarray, runs: np.ndarray, buffer: int) -> np.ndarray:
    soft = y.copy()
    half = buffer // 2
    for first, last in runs:
        after = np.arange(last + 1, min(last + half + 1, len(y)))
        soft[after] += np.sqrt(1 - (after - last) / buffer)
        before = np.arange(max(first - half, 0), first)
        soft[before] += np.sqrt(1 - (first - before) / buffer)
    return np.minimum(soft, 1.0)


def _range_pr_area(y, s, runs, buffer, thresholds, n_flagged, order) -> float:
    soft = _soft_labels(y, runs, buffer)
    half = buffer // 2
    # Buffered anomaly segments, merged where they touch.
    segments = []
    for first, last in runs:
        start, end = max(first - half, 0), min(last + half, len(y) - 1)
        if segments and start <= segments[-1][1] + 1:
            segments[-1][1] = max(segments[-1][1], end)
        else:
            segments.append([start, end])
    # Best score among positively labeled rows of each segment decides when it is "hit".
    best = np.array(
        [np.max(np.where(soft[a : b + 1] > 0, s[a : b + 1], -np.inf)) for a, b in segments]
    )
    existence = (best[None, :] >= thresholds[:, None]).mean(axis=1)
    true_positive = np.concatenate([[0.0], np.cumsum(soft[order])])[n_flagged]
    positives = (y.sum() + soft.sum()) / 2
    recall = np.minimum(true_positive / positives, 1.0) * existence
    precision = true_positive / n_flagged
    recall = np.concatenate([[0.0], recall])
    precision = np.concatenate([[1.0], precision])
    return float(np.sum(np.diff(recall) * (precision[1:] + precision[:-1]) / 2))


@register_metric("vus_pr", Column(None, "vus_pr", "VUS-PR", "max"), threshold_free=True)
def vus_pr_metric(rows: LabeledRows) -> float | None:
    """VUS-PR with buffers up to the run's window."""
    return vus_pr(rows.labels, rows.scores, rows.window)
