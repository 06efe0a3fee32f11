import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, roc_auc_score

from tsadlab.intervals import flag_runs
from tsadlab.metrics import labeled_report
from tsadlab.metrics.events import EventCounts, event_counts
from tsadlab.metrics.points import point_adjust, point_metrics
from tsadlab.metrics.ranking import auc_metrics
from tsadlab.metrics.vus import vus


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


def vus_pr(labels: np.ndarray, scores: np.ndarray, buffer: int) -> float | None:
    volumes = vus(labels, scores, buffer)
    return None if volumes is None else volumes[1]


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


def test_a_perfectly_ranked_point_anomaly_keeps_full_marks_whatever_the_buffer():
    """The old (January 2024) definition gave 0.754 at buffer 4: a fixed recall denominator
    punished the buffer a detector cannot hit."""
    labels = np.zeros(200, dtype=bool)
    labels[100] = True
    scores = labels.astype(float)
    for buffer in (0, 4, 20):
        assert vus_pr(labels, scores, buffer) == pytest.approx(1.0)
        assert vus(labels, scores, buffer)[0] == pytest.approx(1.0)


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
