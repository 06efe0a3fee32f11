"""The `scoring` config: which error, how window errors become row scores, and smoothing."""

from dataclasses import dataclass
from enum import Enum

from tsadlab.errors import ConfigError
from tsadlab.scoring import SCORING_ERRORS


class Alignment(Enum):
    """How window errors become row scores: the window's last row (the tutorial's), the mean
    over every window covering a row (TSB-AD's KMeansAD and KShapeAD), or the window's centre
    row, the rows before the first centre and after the last taking the first and last
    window's score (TSB-AD's subsequence detectors, USAD and AutoEncoder). `auto`: the one the
    model's authors use, as its registration declares (`ModelSpec.alignment`); a run records
    the alignment it resolved to."""

    end = "end"
    mean = "mean"
    centre = "centre"
    auto = "auto"


class SmoothingBase(Enum):
    """What `scoring.smoothing`'s fraction is of: the part's rows, or its windows (Orion's
    `reconstruction_errors` takes its fraction of the windows)."""

    rows = "rows"
    windows = "windows"


class SmoothingKind(Enum):
    """How scores are smoothed over `scoring.smoothing`'s fraction: a centred rolling mean
    (at most 200 rows: Orion's `reconstruction_errors`) or an exponentially weighted mean of
    that span (Orion's `regression_errors`, LSTM-DT's)."""

    rolling_mean = "rolling_mean"
    ewma = "ewma"


@dataclass
class ScoringConfig:
    """Reconstruction error kind (a registered one), alignment, and Orion's smoothing over a
    fraction of the rows or of the windows (0: none), by rolling or EWMA mean."""

    error: str = "mae"
    alignment: Alignment = Alignment.auto
    smoothing: float = 0.0
    smoothing_of: SmoothingBase = SmoothingBase.rows
    smoothing_kind: SmoothingKind = SmoothingKind.rolling_mean

    def __post_init__(self) -> None:
        SCORING_ERRORS.get(self.error)  # one line naming the registered kinds
        if not 0.0 <= self.smoothing < 1.0:
            raise ConfigError(f"Received: scoring.smoothing={self.smoothing} (must be in [0, 1))")
