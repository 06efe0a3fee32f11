"""tsadlab's metrics against the field's reference code itself: TSB-AD's
(`TSB_AD.evaluation`, the PyPI package tsb-ad 1.5, installed without its dependencies by
`make setup`; statsmodels for its period rule). Random cases and the edge cases of where
anomalies lie; each test names the reference function it compares with."""

import warnings

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from tsadlab.metrics.affiliation import affiliation_f1, affiliation_precision_recall
from tsadlab.metrics.points import point_adjust, point_metrics
from tsadlab.metrics.ranges import event_based_f1, range_f1
from tsadlab.metrics.ranking import auc_metrics
from tsadlab.metrics.vus import dominant_period, vus

basic_metrics = pytest.importorskip("TSB_AD.evaluation.basic_metrics")
sliding_windows = pytest.importorskip("TSB_AD.utils.slidingWindows")
affiliation_generics = pytest.importorskip("TSB_AD.evaluation.affiliation.generics")
affiliation_metrics = pytest.importorskip("TSB_AD.evaluation.affiliation.metrics")
reference = basic_metrics.basic_metricor()


def labeled_case(seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Labels with runs of 1 to 40 rows (anywhere, the ends included), scores that rank them
    partly, ties in one case of five, and a buffer of 0 to 40."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 900))
    labels = np.zeros(n, dtype=int)
    for _ in range(int(rng.integers(1, 6))):
        start = int(rng.choice([0, n - 1, rng.integers(0, n)]))
        labels[start : start + int(rng.integers(1, 41))] = 1
    if labels.all():
        labels[-1] = 0
    scores = rng.random(n) + labels * rng.random() * 2
    if seed % 5 == 0:
        scores = np.round(scores, 1)
    return labels, scores, int(rng.integers(0, 41))


@pytest.mark.parametrize("seed", range(40))
def test_vus_equals_tsb_ads_range_auc_volume(seed):
    """`RangeAUC_volume_opt(labels, score, windowSize, thre=250)`: (VUS-ROC, VUS-PR)."""
    labels, scores, buffer = labeled_case(seed)
    *_, roc, pr = reference.RangeAUC_volume_opt(
        labels_original=labels, score=scores, windowSize=buffer, thre=250
    )
    mine = vus(labels.astype(bool), scores, buffer)
    assert mine[0] == pytest.approx(roc, abs=1e-9) and mine[1] == pytest.approx(pr, abs=1e-9)


def periodic_series(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n, period = int(rng.integers(20, 30000)), int(rng.integers(2, 500))
    wave = np.sin(2 * np.pi * np.arange(n) / period) + rng.normal(0, 2 * rng.random(), n)
    return wave if seed % 7 else rng.normal(size=n)  # some pure noise: the fallback


@pytest.mark.parametrize("seed", range(30))
def test_the_vus_buffer_is_tsb_ads_period(seed):
    """`find_length_rank(data, rank=1)`, TSB-AD's buffer for a series."""
    values = periodic_series(seed)
    expected = sliding_windows.find_length_rank(values.reshape(-1, 1), rank=1)
    assert dominant_period(values) == expected
    assert dominant_period(np.full(50, 3.0)) == 125  # nothing periodic: TSB-AD's fallback


@pytest.mark.parametrize("seed", range(20))
def test_threshold_free_and_point_metrics_equal_the_reference(seed):
    """`metric_ROC`, `metric_PR` (scikit-learn's) and `metric_PointF1(preds=...)`."""
    labels, scores, _ = labeled_case(seed)
    flags = scores > np.quantile(scores, 0.9)
    ours = auc_metrics(labels, scores)
    assert ours["roc_auc"] == pytest.approx(reference.metric_ROC(labels, scores), abs=1e-12)
    assert ours["pr_auc"] == pytest.approx(reference.metric_PR(labels, scores), abs=1e-12)
    assert ours["pr_auc"] == average_precision_score(labels, scores)
    assert ours["roc_auc"] == roc_auc_score(labels, scores)
    point = point_metrics(labels, flags)["f1"]
    assert point == pytest.approx(reference.metric_PointF1(labels, scores, preds=flags), abs=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_point_adjustment_equals_the_reference_but_where_a_label_starts_at_row_0(seed):
    """`_adjust_predicts(score, label, pred=...)`: TSB-AD walks back from a hit with
    `range(i, 0, -1)`, which never reaches row 0, so a labeled run starting there is not
    credited in full. tsadlab credits it (`point_adjust`): that row is part of the run."""
    labels, scores, _ = labeled_case(seed)
    flags = scores > np.quantile(scores, 0.8)
    theirs = reference._adjust_predicts(scores, labels, pred=flags.copy())
    ours = point_adjust(labels, flags)
    if labels[0] and flags[: labels.argmin()].any() and not flags[0]:
        assert not theirs[0] and ours[0]  # the one difference, where it can arise
        theirs[0] = True
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("seed", range(30))
def test_range_f1_equals_the_reference(seed):
    """`metric_RF1(label, score, preds=...)`: Tatbul et al.'s range precision and recall."""
    labels, scores, _ = labeled_case(seed)
    flags = scores > np.quantile(scores, [0.5, 0.8, 0.95, 1.0][seed % 4])
    expected = reference.metric_RF1(labels, scores, preds=flags.astype(int))
    assert range_f1(labels.astype(bool), flags) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(30))
def test_event_based_f1_equals_the_reference_but_at_the_last_row(seed):
    """`metric_EventF1PA(label, score, preds=...)`: TSB-AD's event list ends a run that
    reaches the last row one row early (`_get_events`), so a flag on that row alone does not
    find the run there; here it does."""
    labels, scores, _ = labeled_case(seed)
    flags = scores > np.quantile(scores, [0.5, 0.8, 0.95][seed % 3])
    if seed % 6 == 0:  # a run ending at the last row, found only there
        labels[-4:], flags[-4:] = 1, [False, False, False, True]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's warning for a precision without flags
        expected = reference.metric_EventF1PA(labels, scores, preds=flags.astype(int))
    ours = event_based_f1(labels.astype(bool), flags)
    start = len(labels) - np.argmin(labels[::-1])  # the first row of a run reaching the end
    if labels[-1] and flags[-1] and not flags[start:-1].any():
        assert ours > expected  # the one difference: here the flag on the last row finds it
    else:
        assert ours == pytest.approx(expected, abs=1e-12)


def reference_affiliation(labels: np.ndarray, flags: np.ndarray) -> tuple[float, float, float]:
    """(precision, recall, F) as `metric_Affiliation(label, score, preds=...)` computes them:
    `pr_from_events` of the rows' events over the range (0, n), then its F."""
    labels, flags = np.asarray(labels, dtype=int), np.asarray(flags, dtype=int)
    events = affiliation_generics.convert_vector_to_events
    out = affiliation_metrics.pr_from_events(events(flags), events(labels), (0, len(labels)))
    f1 = reference.metric_Affiliation(labels, None, preds=flags)
    return out["Affiliation_Precision"], out["Affiliation_Recall"], f1


def assert_affiliation_equals_the_reference(labels: np.ndarray, flags: np.ndarray) -> None:
    precision, recall, f1 = reference_affiliation(labels, flags)
    ours = affiliation_precision_recall(labels.astype(bool), flags.astype(bool))
    assert ours[0] == pytest.approx(precision, abs=1e-9)
    assert ours[1] == pytest.approx(recall, abs=1e-9)
    assert affiliation_f1(labels.astype(bool), flags.astype(bool)) == pytest.approx(f1, abs=1e-9)


@pytest.mark.parametrize("seed", range(40))
def test_affiliation_equals_the_reference(seed):
    """`metric_Affiliation(label, score, preds=...)` and the precision and recall of its
    `pr_from_events`: Huet et al.'s affiliation zones and distance probabilities."""
    labels, scores, _ = labeled_case(seed)
    flags = scores >= np.quantile(scores, [0.5, 0.8, 0.95, 0.99][seed % 4])  # one flag at least
    if seed % 5 == 1:  # flagged runs too, not only scattered rows
        flags = np.convolve(flags, np.ones(int(seed % 7) + 2), mode="same") > 0
    assert_affiliation_equals_the_reference(labels, flags)


def affiliation_edge_cases() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(labels, flags) where the events lie at the edges of what the zones handle."""
    n = 60
    rows = np.arange(n)
    rng = np.random.default_rng(7)
    long_labels, long_flags = np.zeros(100_000, dtype=int), np.zeros(100_000, dtype=int)
    for start in rng.choice(99_900, 300, replace=False):
        long_labels[start : start + int(rng.integers(1, 60))] = 1
    for start in rng.choice(100_000, 600, replace=False):
        long_flags[start : start + int(rng.integers(1, 20))] = 1
    return {
        "single rows": (np.isin(rows, [3, 20, 41]), np.isin(rows, [3, 25, 40, 59])),
        "label at row 0, flag later": (rows < 1, rows == 5),
        "label at the last row, flag before": (rows == n - 1, rows == n - 9),
        "labels at both ends, flags at both ends": (
            np.isin(rows, [0, n - 1]),
            np.isin(rows, [0, n - 1]),
        ),
        "flags at both ends only": (np.isin(rows, [30]), np.isin(rows, [0, n - 1])),
        "all flagged": ((rows >= 10) & (rows < 15), np.ones(n, dtype=bool)),
        "every row labeled": (np.ones(n, dtype=bool), rows % 7 == 3),
        "every row labeled and flagged": (np.ones(n, dtype=bool), np.ones(n, dtype=bool)),
        "labels exactly flagged": ((rows >= 10) & (rows < 15), (rows >= 10) & (rows < 15)),
        "adjacent labeled runs": (np.isin(rows, [10, 11, 13, 14, 16]), np.isin(rows, [12, 15])),
        "flags touching a label": ((rows >= 20) & (rows < 25), np.isin(rows, [19, 25])),
        "flags ending and starting on zones' edges": (  # labels at 10, 21, 40: edges 16 and 31
            np.isin(rows, [10, 21, 40]),
            (rows >= 13) & (rows < 16) | (rows >= 31) & (rows < 33),
        ),
        "a flag across zones": (np.isin(rows, [5, 30, 50]), (rows >= 8) & (rows < 45)),
        "long series": (long_labels, long_flags),
    }


@pytest.mark.parametrize("case", list(affiliation_edge_cases()))
def test_affiliation_equals_the_reference_at_the_edges(case):
    """`metric_Affiliation(preds=...)` where events touch each other, the zones' edges and
    the series' ends, at a single row and over 100,000 rows."""
    labels, flags = affiliation_edge_cases()[case]
    assert_affiliation_equals_the_reference(np.asarray(labels), np.asarray(flags))


def test_affiliation_without_flags_or_labels_differs_from_the_reference_on_purpose():
    """Without a flag the reference's precision is NaN and so is its F (ours: 0, the recall
    being 0); without a labeled row it raises (ours: None, like event-based F1)."""
    labels, flags = np.zeros(50, dtype=int), np.zeros(50, dtype=int)
    labels[20:25] = 1
    with np.errstate(all="ignore"):
        assert np.isnan(reference.metric_Affiliation(labels, None, preds=flags))
    precision, recall = affiliation_precision_recall(labels.astype(bool), flags.astype(bool))
    assert np.isnan(precision) and recall == 0.0
    assert affiliation_f1(labels.astype(bool), flags.astype(bool)) == 0.0
    with pytest.raises(ValueError):
        reference.metric_Affiliation(np.zeros(50, dtype=int), None, preds=labels)
    assert affiliation_f1(np.zeros(50, dtype=bool), labels.astype(bool)) is None
