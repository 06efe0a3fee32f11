"""`poly`: local polynomial fitting (Li, Ma & Mei, PAKDD 2007), as TSB-AD runs it for its
univariate leaderboard (Liu & Paparrizos, NeurIPS 2024). A window's score is how far it lies
from a polynomial of degree `power` fitted, by least squares over row numbers, to the rows
around it (the window itself left out): the distance between the Fourier transforms of the
window and of the polynomial's values, over its length (by Parseval's theorem the
root-mean-square residual, which is what is computed here). The rows around a window are
TSB-AD's neighbourhood: those less than max(10 x window, 100) / 2 rows from the window's
first row, the window left out, shifted inwards at the series' ends. The polynomial is
evaluated, as in TSB-AD, at `window` points spread evenly from the window's first row to
the row after its last. Values are min-max scaled by the training windows' range (each
channel by its own).

Reference: `TSB_AD.models.POLY` through `run_POLY`, with the tuned univariate setting of
`Optimal_Uni_algo_HP_dict` (power 4, `periodicity` 1); `tests/test_subsequence_zoo.py`
compares the two.

POLY needs the series, not just the windows: overlapping windows (any stride below the
window) give their rows back exactly; windows that do not overlap are laid end to end
(with data.stride = data.window, that is the series). Each part (training, test) is its own
series: a window's neighbourhood never reaches into the other part.

Differences from TSB-AD, all deliberate:
- every window is scored. TSB-AD scores the blocks of `window` rows that start at
  multiples of the window, gives each block's rows its score, and scores 0 the rows before
  the first block that starts at or after row min(500, a tenth of the series). data.stride =
  data.window scores TSB-AD's blocks (the last, shorter one excepted), with TSB-AD's scores
  where the part's length is a multiple of the window;
- a row's score is the mean of the windows covering it (`scoring.alignment=auto` takes
  `mean`: with windows that do not overlap, each block's score on its own rows, as TSB-AD);
- the window is `data.window` (TSB-AD: the series' dominant period, `find_length_rank`; set
  `data.window` to it to match);
- each part is scored within its own rows, scaled by the training windows' range (TSB-AD
  scores the whole series, scaled by its range: `protocol=orion` does that here); the scale
  only multiplies every score by a constant;
- several channels: each channel's polynomial is fitted on its own and the residuals are
  pooled (TSB-AD's POLY takes one channel).
"""

from dataclasses import dataclass

import numpy as np

from tsadlab.errors import ConfigError
from tsadlab.models import DetectorConfig, WindowDetector, register_model
from tsadlab.models._windows import rows_of


@dataclass
class PolyConfig(DetectorConfig):
    """Root-mean-square distance of a window from a polynomial fitted to the rows around it
    (POLY, TSB-AD's)"""

    name: str = "poly"
    power: int = 4  # the polynomial's degree


class PolyDetector(WindowDetector):
    """Each window against a polynomial fitted to its neighbourhood in the series."""

    def __init__(self, power: int) -> None:
        self.power = power

    def fit(self, windows: np.ndarray) -> "PolyDetector":
        values = np.asarray(windows, dtype=np.float64)
        self.low_ = values.min(axis=(0, 1))
        span = values.max(axis=(0, 1)) - self.low_
        self.span_ = np.where(span > 0, span, 1.0)  # a constant channel: its deviations as they are
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        rows, starts = rows_of(windows)
        rows = (rows - self.low_) / self.span_
        window = windows.shape[1]
        size = min(max(10 * window, 100), len(rows))
        return np.array([self._residual(rows, start, window, size) for start in starts])

    def _residual(self, rows: np.ndarray, start: int, window: int, size: int) -> float:
        around = neighbourhood(start, window, len(rows), size)
        coefficients = np.polyfit(around, rows[around], self.power)  # one column per channel
        at = np.linspace(start, start + window, window)
        estimate = np.column_stack([np.polyval(c, at) for c in coefficients.T])
        residuals = rows[start : start + window] - estimate
        return float(np.sqrt(np.mean(residuals**2)))


def neighbourhood(start: int, window: int, n_rows: int, size: int) -> np.ndarray:
    """Row numbers the polynomial for the window at `start` is fitted to: TSB-AD's `size`
    rows around it, the window left out, following TSB-AD's cases at the series' ends."""
    half = size // 2
    end = start + window
    if start + half < n_rows and start - half > 0:  # room on both sides
        before, after = (start - half, start), (end, start + half)
    elif start + half >= n_rows and end < n_rows:  # near the end
        before, after = (n_rows - size, start), (end, n_rows)
    elif end >= n_rows:  # the last window
        before, after = (n_rows - size, start), (end, end)
    elif end < size:  # near the start
        before, after = (0, start), (end, size)
    else:  # near the start, a window too wide for the rest (TSB-AD's only for start == half)
        before, after = (max(start - half, 0), start), (end, start + half)
    return np.r_[np.arange(*before), np.arange(*after)]


@register_model(PolyConfig, seeded=False, alignment="mean")
def build_poly(cfg: PolyConfig, window: int, n_features: int, seed: int) -> PolyDetector:
    """POLY over windows of `window` rows."""
    if cfg.power < 0:
        raise ConfigError(f"Received: model.power={cfg.power} (must be >= 0)")
    return PolyDetector(cfg.power)
