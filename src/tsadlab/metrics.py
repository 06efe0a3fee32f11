"""Detection metrics against 0/1 labels: point, event (overlap), point-adjusted, AUCs, VUS-PR.

Conventions: `labels` and `flags` are per-row 0/1 arrays of one length; `scores` are per-row
floats where NaN marks a row no window reached (such rows count as not flagged, and are left
out of the threshold-free AUC and VUS measures).
"""

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_fscore_support, roc_auc_score

from tsadlab.errors import DataError
from tsadlab.intervals import flag_runs

VUS_THRESHOLDS = 250


@dataclass(frozen=True)
class EventCounts:
    """Orion's overlap-segment counts for one series (summed for micro-averaging)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: "EventCounts") -> "EventCounts":
        return EventCounts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def scores(self) -> dict[str, float]:
        """Precision, recall and F1 of these counts (0 where undefined)."""
        return _prf(self.tp, self.fp, self.fn)

    def summary(self) -> dict[str, float]:
        """Precision, recall, F1 and the counts themselves, as metrics.json records them."""
        return {**self.scores(), **asdict(self)}


def _prf(tp: float, fp: float, fn: float) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _check(labels: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    raw = np.asarray(labels)
    if raw.dtype != bool and not np.isin(raw, (0, 1)).all():
        bad = raw[~np.isin(raw, (0, 1))].ravel()[0]
        raise DataError(f"labels must be 0 or 1 (or bool); received {bad!r}")
    labels = raw.astype(bool)
    if labels.shape != np.shape(other):
        raise DataError(f"labels {labels.shape} and predictions {np.shape(other)} differ in shape")
    return labels, np.asarray(other)


def point_metrics(labels: np.ndarray, flags: np.ndarray) -> dict[str, float]:
    """Point-wise precision, recall and F1 of the positive class."""
    labels, flags = _check(labels, flags)
    p, r, f, _ = precision_recall_fscore_support(
        labels, flags.astype(bool), average="binary", zero_division=0
    )
    return {"precision": float(p), "recall": float(r), "f1": float(f)}


def event_counts(labels: np.ndarray, flags: np.ndarray) -> EventCounts:
    """Overlap-segment counts as the Orion benchmark scores them (`weighted=False`).

    A labeled interval overlapping any detected interval is one TP, one overlapping none is
    a FN; a detected interval overlapping no labeled interval is a FP. Intervals are runs of
    rows, and two overlap when they share at least one row.
    """
    labels, flags = _check(labels, flags)
    truth, found = flag_runs(labels), flag_runs(flags.astype(bool))
    if len(truth) == 0 or len(found) == 0:
        return EventCounts(tp=0, fp=len(found), fn=len(truth))
    # overlap[i, j]: labeled run i and detected run j share a row.
    overlap = (truth[:, None, 0] <= found[None, :, 1]) & (found[None, :, 0] <= truth[:, None, 1])
    tp = int(overlap.any(axis=1).sum())
    return EventCounts(tp=tp, fp=int((~overlap.any(axis=0)).sum()), fn=len(truth) - tp)


def point_adjust(labels: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """Flags with every labeled run that holds one flag marked detected in full."""
    labels, flags = _check(labels, flags)
    adjusted = flags.astype(bool).copy()
    for first, last in flag_runs(labels):
        if adjusted[first : last + 1].any():
            adjusted[first : last + 1] = True
    return adjusted


def auc_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float | None]:
    """ROC-AUC and PR-AUC (average precision) of the scored rows; None without both classes."""
    labels, scores = _check(labels, scores)
    scored = np.isfinite(scores)
    y, s = labels[scored], scores[scored]
    if y.all() or not y.any():
        return {"roc_auc": None, "pr_auc": None}
    return {"roc_auc": float(roc_auc_score(y, s)), "pr_auc": float(average_precision_score(y, s))}


def vus_pr(labels: np.ndarray, scores: np.ndarray, max_buffer: int) -> float | None:
    """Volume under the range-PR surface (Paparrizos et al., VLDB 2022).

    For each buffer length l in 0..max_buffer, labels gain sqrt(1 - d/l) ramps l//2 rows wide
    on both sides of each anomaly; range recall is weighted by the share of buffered anomalies
    hit; the PR area over 250 rank thresholds is averaged over l. None without anomalies.
    """
    labels, scores = _check(labels, scores)
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


@dataclass(frozen=True)
class DetectionReport:
    """Every labeled metric of one series; `point_adjusted` is flagged as inflated."""

    point: dict
    event: dict
    event_counts: dict
    point_adjusted: dict
    auc: dict
    vus_pr: float | None
    vus_max_buffer: int
    n_labeled_rows: int
    n_labeled_events: int

    def to_dict(self) -> dict:
        report = asdict(self)
        report["point_adjusted"] = {
            **self.point_adjusted,
            "inflated": True,
            "note": (
                "point adjustment credits a whole labeled run for one flagged row; random scores "
                "reach high PA-F1, so compare it only next to point and event F1"
            ),
        }
        return report


def detection_report(
    labels: np.ndarray, flags: np.ndarray, scores: np.ndarray, vus_max_buffer: int
) -> DetectionReport:
    """All labeled metrics of one series' rows."""
    labels, flags = _check(labels, flags)
    counts = event_counts(labels, flags)
    return DetectionReport(
        point=point_metrics(labels, flags),
        event=counts.scores(),
        event_counts=asdict(counts),
        point_adjusted=point_metrics(labels, point_adjust(labels, flags)),
        auc=auc_metrics(labels, scores),
        vus_pr=vus_pr(labels, scores, vus_max_buffer),
        vus_max_buffer=vus_max_buffer,
        n_labeled_rows=int(labels.sum()),
        n_labeled_events=len(flag_runs(labels)),
    )
