"""AER's anomaly score (Wong et al., IEEE BigData 2022), as Orion 0.7.1 computes it
(`orion.primitives.aer.score_anomalies` with its pipeline's settings), from the output of
`model=aer`: a window's first step is the reverse regression of the row before the model's
cropped input, its last step the forward regression of the row after it, and the steps
between reconstruct the input.

- regression error (`bi_regression_errors`): |row - its forward prediction| and |row - its
  reverse prediction|, each EWMA-smoothed over 1 % of the windows and its first 1 % masked;
  averaged where a row has both;
- reconstruction error (`reconstruction_errors`): each row against the median of its
  reconstructions, by DTW over 11 rows (`dtw`, the pipeline's) or pointwise (`point`, the
  primitive's default), then a centred rolling mean over 1 % of the windows (at most 200);
- combined (`comb`): both min-max scaled to [1, 2] and multiplied (`mult`, the pipeline's
  default), min-max scaled to [0, 1] and averaged with weight `lambda_rec` (`sum`), or
  either one alone (`reg`, `rec`).

The registered kinds are the settings Orion's verified pipelines use: `aer` (`mult`),
`aer_sum` (`sum`; NAB's realAWSCloudwatch and realAdExchange) and `aer_reg` (`reg`; NAB's
realTraffic and artificialWithAnomaly), all with DTW. Every setting is a keyword of
`aer_scores`; a plugin registers another (`rec`) with a function that calls it. They are
scoring choices, not model keys: changing one re-scores a trained model.

Each part of a run (train, test) is scored on its own: the EWMA starts, the first 1 % is
masked and the min-max scaling is fitted anew in each. Under `protocol=split` a test score is
therefore relative to the test part's own extremes; under `protocol=orion` (the whole series
one part) the scores are Orion's. Deliberate differences:
- several channels: every error is the mean over the channels (Orion's AER forecasts and
  scores its target channel only); one channel gives Orion's numbers;
- fewer than 100 windows: a smoothing window of 0 rows leaves the errors as they are, where
  Orion's rolling mean over 0 rows makes every reconstruction error NaN;
- a perfect model (every error 0) scores 0, where `mult` scales the constants to 1 and 1
  (a constant score either way: nothing is flagged);
- medians are taken in float64, where Orion's, of TensorFlow's float32 outputs, are float32
  (the mean of two middle values then differs in its last float32 digit).

Its whole-part computation holds the part's rows x window x features stack at once (8 bytes
each: 3 MB for a NAB series of 4000 rows and windows of 100).
"""

import numpy as np
from sklearn.preprocessing import MinMaxScaler

from tsadlab.errors import ConfigError
from tsadlab.scoring import register_error
from tsadlab.scoring.align import ewma, smooth_scores

DTW_ROWS = 11  # Orion's score_window 10, made odd: (10 // 2) * 2 + 1
COMBINATIONS = ("mult", "sum", "rec", "reg")
RECONSTRUCTION_ERRORS = ("dtw", "point")


def window_count(stack: np.ndarray) -> int:
    """How many windows made the stack: window i's first step is row i's entry 0 (AER's
    windows move one row at a time)."""
    starts = np.flatnonzero(~np.isnan(stack[:, 0, 0]))
    if not np.array_equal(starts, np.arange(len(starts))):
        stride = int(starts[1] - starts[0]) if len(starts) > 1 else "?"
        raise ConfigError(
            f"Received: data.stride={stride} with an AER score (its windows move one row at "
            "a time: use data.stride=1)"
        )
    return len(starts)


def regression_errors(
    rows: np.ndarray, predicted: np.ndarray, fraction: float = 0.01, smooth: bool = True
) -> np.ndarray:
    """|row - prediction|, mean over the channels, EWMA-smoothed (Orion's regression_errors)."""
    errors = np.abs(np.asarray(rows, np.float64) - predicted).mean(axis=1)
    return ewma(errors, int(len(errors) * fraction)) if smooth else errors


def bi_regression_errors(
    rows: np.ndarray,
    reverse: np.ndarray,
    forward: np.ndarray,
    fraction: float = 0.01,
    smooth: bool = True,
    mask: bool = True,
) -> np.ndarray:
    """Regression errors of the m + w - 1 rows that m windows of w rows cover: window i's
    reverse error at row i, its forward error at row i + w - 1, the mean of both where a row
    has both; the first `fraction` of the windows masked (forward 0, reverse its minimum)."""
    m = len(reverse)
    lag = len(rows) - m  # w - 1: window i predicts row i backwards and row i + lag forwards
    masked = int(fraction * m) if mask else 0
    forward_errors = regression_errors(rows[lag:], forward, fraction, smooth)
    forward_errors[:masked] = 0.0
    reverse_errors = regression_errors(rows[:m], reverse, fraction, smooth)
    reverse_errors[:masked] = reverse_errors.min()
    scores = np.zeros(len(rows))
    scores[lag:] += forward_errors
    scores[:m] += reverse_errors
    scores[lag + masked : m] /= 2  # Orion halves from the first unmasked forward error on
    return scores


def dtw_distances(rows: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """DTW distance (squared steps, the root of the cheapest warping's sum) of each pair of
    rows of `rows` and `predicted`, shaped (k, n); one numpy step per cell, over all k."""
    k, n = rows.shape
    previous = np.full((k, n), np.inf)
    for a in range(n):
        current = np.empty((k, n))
        for b in range(n):
            cost = np.square(rows[:, a] - predicted[:, b])
            if a == 0 and b == 0:
                current[:, b] = cost
            elif a == 0:
                current[:, b] = cost + current[:, b - 1]
            elif b == 0:
                current[:, b] = cost + previous[:, b]
            else:
                best = np.minimum(np.minimum(previous[:, b - 1], previous[:, b]), current[:, b - 1])
                current[:, b] = cost + best
        previous = current
    return np.sqrt(previous[:, -1])


def dtw_errors(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Orion's DTW error of one channel: the series padded with DTW_ROWS // 2 zeros at each
    end; position p gets the distance over padded rows p - 5 .. p + 5, i.e. over the rows
    p - 10 .. p (Orion places each distance half a window late), for p = 5 .. len - 7; the
    rest stay 0."""
    n, half = len(truth), DTW_ROWS // 2
    errors = np.zeros(n)
    count = n - DTW_ROWS
    if count <= 0:
        return errors
    windows = [
        np.lib.stride_tricks.sliding_window_view(np.pad(s, half), DTW_ROWS)[:count]
        for s in (np.asarray(truth, np.float64), np.asarray(predicted, np.float64))
    ]
    errors[half : half + count] = dtw_distances(*windows)
    return errors


def reconstruction_errors(
    rows: np.ndarray,
    median: np.ndarray,
    n_windows: int,
    kind: str = "dtw",
    fraction: float = 0.01,
    smooth: bool = True,
) -> np.ndarray:
    """Each row's error against the median of its reconstructions, mean over the channels,
    smoothed by a centred rolling mean over `fraction` of the windows (at most 200)."""
    rows = np.asarray(rows, np.float64)
    if kind == "point":
        errors = np.abs(rows - median).mean(axis=1)
    elif kind == "dtw":
        errors = np.mean([dtw_errors(rows[:, j], median[:, j]) for j in range(rows.shape[1])], 0)
    else:
        raise ConfigError(f"Received: rec_error_type={kind} (must be one of dtw, point)")
    return smooth_scores(errors, fraction, n_windows) if smooth else errors


def min_max(scores: np.ndarray, low: float, high: float) -> np.ndarray:
    """Scores scaled to [low, high] by scikit-learn's MinMaxScaler (a constant: low)."""
    return MinMaxScaler((low, high)).fit_transform(scores.reshape(-1, 1)).ravel()


def combine(reg: np.ndarray, rec: np.ndarray, comb: str, lambda_rec: float) -> np.ndarray:
    """The regression and reconstruction errors as one score (Orion's `comb`)."""
    if not (reg.any() or rec.any()):
        return np.zeros(len(reg))  # a perfect model: no error to scale
    if comb == "mult":
        return min_max(reg, 1.0, 2.0) * min_max(rec, 1.0, 2.0)
    if comb == "sum":
        return (1 - lambda_rec) * min_max(reg, 0.0, 1.0) + lambda_rec * min_max(rec, 0.0, 1.0)
    if comb == "rec":
        return rec
    if comb == "reg":
        return reg
    raise ConfigError(f"Received: comb={comb} (must be one of {', '.join(COMBINATIONS)})")


def aer_scores(
    values: np.ndarray,
    stack: np.ndarray,
    comb: str = "mult",
    rec_error_type: str = "dtw",
    lambda_rec: float = 0.5,
    smoothing_window: float = 0.01,
    smooth: bool = True,
    mask: bool = True,
) -> np.ndarray:
    """AER's score of every row of a part from its rows (r, d) and their stack (r, w, d) of
    AER outputs (Orion's score_anomalies; its defaults but `rec_error_type`, the pipeline's
    dtw); NaN for a row no window covers."""
    n, w, _ = stack.shape
    if w < 3:
        raise ConfigError(f"Received: windows of {w} rows with scoring.error=aer (need >= 3)")
    scores = np.full(n, np.nan)
    m = window_count(stack)
    if m == 0:
        return scores
    covered = m + w - 1
    reverse, forward = stack[:m, 0], stack[w - 1 : covered, w - 1]
    reg = bi_regression_errors(values[:covered], reverse, forward, smoothing_window, smooth, mask)
    median = np.nanmedian(stack[1 : covered - 1, 1 : w - 1], axis=1)
    inner = values[1 : covered - 1]
    rec = reconstruction_errors(inner, median, m, rec_error_type, smoothing_window, smooth)
    rec = np.concatenate([[0.0], rec, [0.0]])  # the first and last rows are never inner steps
    masked = int(smoothing_window * m) if mask else 0
    rec[1 : 1 + masked] = rec[1:-1].min()
    scores[:covered] = combine(reg, rec, comb, lambda_rec)
    return scores


@register_error("aer", per_row=True, whole_part=True, for_model="aer")
def aer(values: np.ndarray, stack: np.ndarray) -> np.ndarray:
    """AER's score (Wong et al., 2022; Orion's score_anomalies): EWMA-smoothed bidirectional
    regression error times DTW reconstruction error, each min-max scaled to [1, 2]; needs
    model=aer. Computed over each part at once."""
    return aer_scores(values, stack, comb="mult")


@register_error("aer_sum", per_row=True, whole_part=True, for_model="aer")
def aer_sum(values: np.ndarray, stack: np.ndarray) -> np.ndarray:
    """AER's regression and DTW reconstruction errors, each min-max scaled to [0, 1], mixed
    half and half (Orion's comb=sum, lambda_rec 0.5, its NAB setting for realAWSCloudwatch
    and realAdExchange); needs model=aer. Computed over each part at once."""
    return aer_scores(values, stack, comb="sum")


@register_error("aer_reg", per_row=True, whole_part=True, for_model="aer")
def aer_reg(values: np.ndarray, stack: np.ndarray) -> np.ndarray:
    """AER's bidirectional regression error alone, EWMA-smoothed (Orion's comb=reg, its NAB
    setting for realTraffic and artificialWithAnomaly); needs model=aer. Computed over each
    part at once."""
    return aer_scores(values, stack, comb="reg")
