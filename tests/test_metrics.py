import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, roc_auc_score

from tsadlab.intervals import flag_runs
from tsadlab.metrics import labeled_report
from tsadlab.metrics.events import EventCounts, event_counts
from tsadlab.metrics.points import point_adjust, point_metrics
from tsadlab.metrics.ranking import auc_metrics
from tsadlab.metrics.vus import VUS_THRESHOLDS, vus_pr


def arr(text: str) -> np.ndarray:
    return np.array([int(c) for c in text], dtype=bool)


def test_point_metrics_hand_computed():
    assert point_metrics(arr("01100"), arr("01010")) == pytest.approx(
        {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    )
    assert point_metrics(arr("0000"), arr("0000"))["f1"] == 0.0


def test_event_counts_follow_orion_overlap_rules():
    # labeled runs [1,2] and [6,7]; detected runs [2,3] and [9,9]
    counts = event_counts(arr("0110001100"), arr("0011000001"))
    assert counts == EventCounts(tp=1, fp=1, fn=1)
    # one detection across two labeled runs: both are found, no false positive
    assert event_counts(arr("0110110"), arr("0111110")) == EventCounts(tp=2, fp=0, fn=0)
    # two detections inside one labeled run: one TP, no FP
    assert event_counts(arr("011111"), arr("010010")) == EventCounts(tp=1, fp=0, fn=0)
    assert event_counts(arr("0000"), arr("0110")) == EventCounts(tp=0, fp=1, fn=0)


def test_micro_average_sums_counts_before_dividing():
    total = EventCounts(tp=1, fp=0, fn=0) + EventCounts(tp=0, fp=3, fn=1)
    assert total.scores() == pytest.approx({"precision": 0.25, "recall": 0.5, "f1": 1 / 3})


def test_point_adjust_fills_detected_runs_only():
    adjusted = point_adjust(arr("0111000110"), arr("0010000001"))
    assert adjusted.astype(int).tolist() == [0, 1, 1, 1, 0, 0, 0, 0, 0, 1]


def test_point_adjusted_f1_rewards_random_flags():
    rng = np.random.default_rng(0)
    labels = np.zeros(10_000, dtype=bool)
    for start in range(500, 10_000, 1000):
        labels[start : start + 200] = True
    flags = rng.random(10_000) < 0.02
    point = point_metrics(labels, flags)["f1"]
    adjusted = point_metrics(labels, point_adjust(labels, flags))["f1"]
    assert point < 0.1 and adjusted > 0.7


def test_auc_metrics_match_sklearn_and_skip_unscored_rows():
    rng = np.random.default_rng(1)
    labels = rng.random(300) < 0.1
    scores = rng.random(300) + labels
    scores[:20] = np.nan
    result = auc_metrics(labels, scores)
    assert result["roc_auc"] == pytest.approx(roc_auc_score(labels[20:], scores[20:]))
    assert result["pr_auc"] == pytest.approx(average_precision_score(labels[20:], scores[20:]))
    assert auc_metrics(np.zeros(5), np.arange(5.0)) == {"roc_auc": None, "pr_auc": None}


def vus_pr_by_definition(labels, scores, max_buffer):
    """The definition, one loop at a time, to check the vectorized version."""
    y = labels.astype(float)
    runs = [(a, b) for a, b in flag_runs(labels)]
    ranked = -np.sort(-scores)
    areas = []
    for buffer in range(max_buffer + 1):
        soft, half = y.copy(), buffer // 2
        for a, b in runs:
            for i in range(b + 1, min(b + half + 1, len(y))):
                soft[i] += np.sqrt(1 - (i - b) / buffer)
            for i in range(max(a - half, 0), a):
                soft[i] += np.sqrt(1 - (a - i) / buffer)
        soft = np.minimum(soft, 1)
        segments = []
        for a, b in runs:
            lo, hi = max(a - half, 0), min(b + half, len(y) - 1)
            if segments and lo <= segments[-1][1] + 1:
                segments[-1][1] = max(segments[-1][1], hi)
            else:
                segments.append([lo, hi])
        recall, precision = [0.0], [1.0]
        for i in np.linspace(0, len(scores) - 1, VUS_THRESHOLDS).astype(int):
            flagged = scores >= ranked[i]
            tp = float(np.dot(soft, flagged))
            hit = sum(np.dot(soft[a : b + 1], flagged[a : b + 1]) > 0 for a, b in segments)
            positives = (y.sum() + soft.sum()) / 2
            recall.append(min(tp / positives, 1) * hit / len(segments))
            precision.append(tp / flagged.sum())
        areas.append(
            sum(
                (recall[k] - recall[k - 1]) * (precision[k] + precision[k - 1]) / 2
                for k in range(1, len(recall))
            )
        )
    return float(np.mean(areas))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(20, 120), max_buffer=st.integers(0, 8))
def test_vus_pr_matches_its_definition(seed, n, max_buffer):
    rng = np.random.default_rng(seed)
    labels = np.zeros(n, dtype=bool)
    for start in rng.integers(0, n, size=3):
        labels[start : start + rng.integers(1, 6)] = True
    if labels.all():
        labels[0] = False
    scores = rng.random(n) + 0.5 * labels
    assert vus_pr(labels, scores, max_buffer) == pytest.approx(
        vus_pr_by_definition(labels, scores, max_buffer)
    )


def test_vus_pr_orders_detectors():
    rng = np.random.default_rng(3)
    labels = np.zeros(2000, dtype=bool)
    for start in (300, 900, 1500):
        labels[start : start + 40] = True
    perfect = labels.astype(float)
    noisy = labels + rng.normal(0, 0.5, 2000)
    random = rng.random(2000)
    assert vus_pr(labels, perfect, 0) == pytest.approx(1.0)
    assert vus_pr(labels, perfect, 20) > vus_pr(labels, noisy, 20) > vus_pr(labels, random, 20)
    assert vus_pr(labels, random, 20) < 0.15
    assert vus_pr(np.zeros(10, dtype=bool), random[:10], 5) is None


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=150))
def test_event_counts_are_consistent(pairs):
    labels = np.array([p[0] for p in pairs])
    flags = np.array([p[1] for p in pairs])
    counts = event_counts(labels, flags)
    assert counts.tp + counts.fn == len(flag_runs(labels))
    assert counts.fp <= len(flag_runs(flags))
    # flagging exactly the labels is perfect
    assert event_counts(labels, labels).scores()["f1"] == (1.0 if labels.any() else 0.0)


def test_detection_report_flags_point_adjustment_as_inflated():
    labels = arr("0011100000")
    report = labeled_report(labels, arr("0001000001"), np.linspace(0, 1, 10), 4)
    assert report["point_adjusted"]["inflated"] is True
    assert report["point_adjusted"]["recall"] == 1.0
    assert report["point"]["recall"] == pytest.approx(1 / 3)
    assert report["event_counts"] == {"tp": 1, "fp": 1, "fn": 0}
    assert report["n_labeled_events"] == 1
