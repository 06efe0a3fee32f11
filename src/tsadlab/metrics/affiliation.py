"""Affiliation precision, recall and F (Huet, Navarro and Rossi, "Local Evaluation of Time
Series Anomaly Detection Algorithms", KDD 2022), as tsb-ad 1.5 computes its 'Affiliation-F'
from a run's own flags (`metric_Affiliation(preds=...)`, which calls
`TSB_AD.evaluation.affiliation.metrics.pr_from_events`, a copy of the authors' package
`affiliation`, github.com/ahstat/affiliation-metrics-py); compared with that code in
`tests/test_metrics_reference.py`.

Rows are time points: a run of flagged (or labeled) rows i..k is the event [i, k + 1), and
the series is [0, n). The series is cut into one *affiliation zone* per labeled event, at the
midpoints between consecutive labeled events; each zone is judged on its own:

- precision of a zone: the mean, over the flagged time inside it, of the probability that a
  point drawn uniformly from the zone lies at least as far from the zone's labeled event
  (1 inside the event); averaged over the zones holding a flag;
- recall of a zone: the mean, over the labeled event's time, of the probability that a point
  drawn uniformly from the zone lies at least as far from it as the nearest flagged time of
  the zone (1 where flagged; 0 for a zone with no flag); averaged over every zone;
- F: their harmonic mean.

Both probabilities are piecewise linear in the distance, so every integral has a closed form:
the events are cut into pieces once (flagged events by zones, labeled events by the
midpoints between a zone's flagged pieces) and integrated together with numpy, instead of
interval by interval.

Deliberate differences: without a labeled row the reference raises (no zone to judge), here
the F is None; without a flag its precision is NaN and so is its F, here the F is 0 (its
recall is 0, as for range F1 and point F1). The F's harmonic mean has no 1e-15 in its
denominator (its sum is never 0 when something is flagged).
"""

import numpy as np

from tsadlab.intervals import flag_runs
from tsadlab.metrics import Column, LabeledRows, register_metric


def _events(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and stops of the runs of True rows as time intervals [start, stop)."""
    runs = flag_runs(rows).astype(np.float64)
    return runs[:, 0], runs[:, 1] + 1.0


def _far_integral(near: np.ndarray, length: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Integral of d + min(d, cap) over d in [near, near + length]."""
    far = near + length
    over = np.maximum(far - cap, 0.0) ** 2 - np.maximum(near - cap, 0.0) ** 2
    return length * (far + near) - over / 2


def _bent_integral(near: np.ndarray, length: np.ndarray, half: np.ndarray) -> np.ndarray:
    """Integral of d + min(d, 2 half - d) over d in [near, near + length]."""
    far = near + length
    over = np.maximum(far - half, 0.0) ** 2 - np.maximum(near - half, 0.0) ** 2
    return length * (far + near) - over


def _split(start, stop, lo, hi):
    """Lengths of [start, stop) before lo, within [lo, hi) and after hi (each clipped at 0),
    with the distances from lo of the part before and from hi of the part after."""
    before = np.maximum(np.minimum(stop, lo) - start, 0.0)
    within = np.maximum(np.minimum(stop, hi) - np.maximum(start, lo), 0.0)
    after = np.maximum(stop - np.maximum(start, hi), 0.0)
    return before, lo - np.minimum(stop, lo), within, after, np.maximum(start, hi) - hi


def affiliation_precision_recall(labels: np.ndarray, flags: np.ndarray) -> tuple[float, float]:
    """Affiliation precision and recall of boolean `flags` against boolean `labels`; the
    precision is NaN without a flag. Needs at least one labeled row."""
    truth_start, truth_stop = _events(labels)
    found_start, found_stop = _events(flags)
    n_zones = len(truth_start)
    if n_zones == 0:
        raise ValueError("affiliation needs at least one labeled row")
    cuts = np.concatenate([[0.0], (truth_stop[:-1] + truth_start[1:]) / 2, [float(len(labels))]])
    zone_lo, zone_hi = cuts[:-1], cuts[1:]

    # flagged events cut by the zones: one piece per (event, zone) sharing some time
    first = np.searchsorted(zone_hi, found_start, side="right")
    last = np.searchsorted(zone_lo, found_stop, side="left") - 1
    counts = last - first + 1
    event = np.repeat(np.arange(len(found_start)), counts)
    zone = first[event] + np.arange(len(event)) - np.repeat(np.cumsum(counts) - counts, counts)
    start = np.maximum(found_start[event], zone_lo[zone])
    stop = np.minimum(found_stop[event], zone_hi[zone])
    lo, hi, a, b = zone_lo[zone], zone_hi[zone], truth_start[zone], truth_stop[zone]
    width = hi - lo

    # precision: P(dist(X, J) >= d) = 1 - (|J| + min(d, a - lo) + min(d, hi - b)) / |E|
    # outside J (on one side, so the min of that side is d itself), 1 inside it
    before, near_before, within, after, near_after = _split(start, stop, a, b)
    lost = (b - a) * (before + after)
    lost += _far_integral(near_before, before, hi - b) + _far_integral(near_after, after, a - lo)
    kept = np.bincount(zone, before + within + after - lost / width, minlength=n_zones)
    flagged = np.bincount(zone, stop - start, minlength=n_zones)
    has_flag = flagged > 0
    precision = float(np.mean(kept[has_flag] / flagged[has_flag])) if has_flag.any() else np.nan

    # recall: the labeled event cut at the midpoints between its zone's pieces, each part
    # measured from its own piece I; for y outside I, at distance d from I's nearest end p,
    # P(|X - y| >= d) = 1 - (d + min(d, M - d)) / |E|, M the room between p and the zone's
    # end on y's side
    same_before = np.concatenate([[False], zone[1:] == zone[:-1]])
    same_after = np.concatenate([same_before[1:], [False]])
    mid = (stop[:-1] + start[1:]) / 2
    part_lo = np.maximum(a, np.where(same_before, np.concatenate([[0.0], mid]), lo))
    part_hi = np.minimum(b, np.where(same_after, np.concatenate([mid, [0.0]]), hi))
    before, near_before, within, after, near_after = _split(part_lo, part_hi, start, stop)
    lost = _bent_integral(near_before, before, (start - lo) / 2)
    lost += _bent_integral(near_after, after, (hi - stop) / 2)
    found = np.bincount(zone, before + within + after - lost / width, minlength=n_zones)
    recall = float(np.mean(found / (truth_stop - truth_start)))
    return precision, recall


def affiliation_f1(labels: np.ndarray, flags: np.ndarray) -> float | None:
    """The harmonic mean of affiliation precision and recall: None without a labeled row,
    0 without a flag."""
    if not np.any(labels):
        return None
    if not np.any(flags):
        return 0.0
    precision, recall = affiliation_precision_recall(labels, flags)
    return 2 * precision * recall / (precision + recall)


@register_metric("affiliation_f1", Column(None, "affiliation_f1", "affiliation F", "max"))
def affiliation_f1_metric(rows: LabeledRows) -> float | None:
    """Affiliation F (Huet et al., KDD 2022), as TSB-AD computes it from the run's flags."""
    return affiliation_f1(rows.labels, rows.flags)
