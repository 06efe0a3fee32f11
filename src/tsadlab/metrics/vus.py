"""VUS-PR and VUS-ROC: the volumes under the range-PR and range-ROC surfaces (Paparrizos et
al., VLDB 2022), exactly as TSB-AD computes them today: `TSB_AD.evaluation.basic_metrics.
RangeAUC_volume_opt` (tsb-ad 1.5, version "opt", 250 thresholds; the same code as
TheDatumOrg/VUS), with its buffer from the series' dominant period (`find_length_rank`).

For each buffer length w in 0..buffer, every labeled run gains ramps of sqrt(1 - d/w), w // 2
rows wide, on both sides; buffered runs closer than that merge. At each of 250 thresholds
(scores ranked from the highest, evenly spaced ranks), with the rows at or above it flagged:
- TP = the ramped label mass of the flagged rows (an anomaly row counts 1);
- the positives are |A| plus the ramp mass of the flagged rows, halved: P = (|A| + |A| +
  ramp mass flagged) / 2, and recall = min(TP / P, 1) times the share of buffered runs that
  hold a flagged row;
- FPR = (flagged - TP) / (n - P); precision = TP / flagged.
ROC area: trapezoids from (0, 0) to (1, 1); PR area: steps of recall times precision. Both
are averaged over w. The reference loops over rows for every (w, threshold); here cumulative
sums over the rows ranked by score give every threshold at once (same numbers to 1e-12,
`tests/test_metrics_reference.py`), tens of times faster on long series.

Deliberate difference: rows without a score (NaN: no window reached them) are left out;
TSB-AD's scores have none. A series without anomalies, or without normal rows, has no VUS
(None; the reference divides by zero).
"""

import numpy as np
from scipy.signal import argrelextrema

from tsadlab.intervals import flag_runs
from tsadlab.metrics import Column, LabeledRows, check_labels, register_metric

VUS_THRESHOLDS = 250
# TSB-AD's period rule: autocorrelation up to this lag, of at most this many rows; periods
# outside [3, 300] lags (or none found) fall back to 125.
PERIOD_LAGS, PERIOD_ROWS, PERIOD_FALLBACK = 400, 20000, 125


def vus(labels: np.ndarray, scores: np.ndarray, buffer: int) -> tuple[float, float] | None:
    """(VUS-ROC, VUS-PR) of the scored rows with buffers 0..`buffer`; None without both
    classes."""
    labels, scores = check_labels(labels, scores)
    scored = np.isfinite(scores)
    y, s = labels[scored], scores[scored].astype(np.float64)
    if not y.any() or y.all():
        return None
    n, runs = len(s), flag_runs(y)
    order = np.argsort(-s, kind="stable")  # ranks from the highest score
    ranked = s[order]
    cut = np.linspace(0, n - 1, VUS_THRESHOLDS).astype(int)
    thresholds = ranked[cut]
    flagged = n - np.searchsorted(np.sort(s), thresholds, side="left")  # rows >= threshold
    anomalies = float(y.sum())
    rocs, prs = [], []
    for w in range(buffer + 1):
        soft = _ramped_labels(y, runs, w)
        # label mass of the top `flagged` rows: anomalies count 1, ramps their height
        mass = np.concatenate([[0.0], np.cumsum(soft[order])])[flagged]
        ramp = np.concatenate([[0.0], np.cumsum((soft * ~y)[order])])[flagged]
        hit = _segments_hit(s, _merged(runs, w, n), thresholds)
        positives = (anomalies + anomalies + ramp) / 2
        tpr = np.minimum(mass / positives, 1.0) * hit
        fpr = (flagged - mass) / (n - positives)
        precision = mass / flagged
        tpr_curve = np.concatenate([[0.0], tpr, [1.0]])
        fpr_curve = np.concatenate([[0.0], fpr, [1.0]])
        rocs.append(np.dot(np.diff(fpr_curve), (tpr_curve[1:] + tpr_curve[:-1]) / 2))
        prs.append(np.dot(np.diff(tpr_curve[:-1]), precision))
    return float(np.mean(rocs)), float(np.mean(prs))


def _ramped_labels(y: np.ndarray, runs: np.ndarray, w: int) -> np.ndarray:
    """Labels with sqrt(1 - d / w) ramps w // 2 rows wide on both sides of each run (summed
    where ramps meet), capped at 1."""
    soft = y.astype(np.float64)
    half, n = w // 2, len(y)
    for first, last in runs:
        after = np.arange(last + 1, min(last + half + 1, n))
        soft[after] += np.sqrt(1 - (after - last) / w)
        before = np.arange(max(first - half, 0), first)
        soft[before] += np.sqrt(1 - (first - before) / w)
    return np.minimum(soft, 1.0)


def _merged(runs: np.ndarray, w: int, n: int) -> np.ndarray:
    """[first, last] of the runs widened by w // 2 each side, merged unless a gap is left
    between them (TSB-AD's `new_sequence`: only the outer ends are clipped)."""
    half = w // 2
    starts, ends = runs[:, 0] - half, runs[:, 1] + half
    apart = ends[:-1] < starts[1:]
    first = np.concatenate([[starts[0]], starts[1:][apart]])
    last = np.concatenate([ends[:-1][apart], [ends[-1]]])
    first[0], last[-1] = max(first[0], 0), min(last[-1], n - 1)
    return np.column_stack([first, last])


def _segments_hit(scores: np.ndarray, segments: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """At each threshold, the share of segments holding a row scored at or above it."""
    best = np.sort([scores[a : b + 1].max() for a, b in segments])
    return (len(best) - np.searchsorted(best, thresholds, side="left")) / len(best)


def vus_buffer(fixed: int | None, values: np.ndarray) -> tuple[int, str]:
    """The VUS buffer and how it was chosen: `fixed` (metrics.vus_buffer) when set, else
    TSB-AD's rule on the series' first value column."""
    if fixed is not None:
        return fixed, "fixed"
    return dominant_period(values), "dominant period (TSB-AD)"


def dominant_period(values: np.ndarray) -> int:
    """TSB-AD's VUS buffer for a series (`find_length_rank(data, rank=1)`): the lag of the
    highest local maximum of the autocorrelation beyond lag 3 (of the first 20,000 rows, up
    to lag 400), plus 3; 125 when there is none, or it lies outside [3, 300]."""
    x = np.asarray(values, dtype=np.float64).ravel()[:PERIOD_ROWS]
    x = x - x.mean()
    variance = np.dot(x, x)
    if len(x) < 5 or variance == 0:
        return PERIOD_FALLBACK
    # statsmodels' acf(fft=True): FFT of the series padded to a 5-smooth length >= 2n + 1
    spectrum = np.fft.fft(x, n=_five_smooth(2 * len(x) + 1))
    covariance = np.fft.ifft(spectrum * np.conjugate(spectrum))[: len(x)].real / len(x)
    autocorrelation = (covariance / covariance[0])[: PERIOD_LAGS + 1][3:]
    peaks = argrelextrema(autocorrelation, np.greater)[0]
    if len(peaks) == 0:
        return PERIOD_FALLBACK
    highest = peaks[np.argsort(autocorrelation[peaks])[::-1][0]]
    return PERIOD_FALLBACK if not 3 <= highest <= 300 else int(highest + 3)


def _five_smooth(target: int) -> int:
    """The smallest number >= target whose only prime factors are 2, 3 and 5."""
    candidate = target
    while True:
        rest = candidate
        for prime in (2, 3, 5):
            while rest % prime == 0:
                rest //= prime
        if rest == 1:
            return candidate
        candidate += 1


# Both volumes come from one pass: the last rows computed, and their result.
_last: list = [None, None]


def _volumes(rows: LabeledRows) -> tuple[float, float] | None:
    if _last[0] is not rows:
        _last[:] = [rows, vus(rows.labels, rows.scores, rows.buffer)]
    return _last[1]


@register_metric("vus_pr", Column(None, "vus_pr", "VUS-PR", "max"), threshold_free=True)
def vus_pr_metric(rows: LabeledRows) -> float | None:
    """VUS-PR as TSB-AD computes it, with the run's VUS buffer."""
    volumes = _volumes(rows)
    return None if volumes is None else volumes[1]


@register_metric("vus_roc", Column(None, "vus_roc", "VUS-ROC", "max"), threshold_free=True)
def vus_roc_metric(rows: LabeledRows) -> float | None:
    """VUS-ROC as TSB-AD computes it, with the run's VUS buffer."""
    volumes = _volumes(rows)
    return None if volumes is None else volumes[0]
