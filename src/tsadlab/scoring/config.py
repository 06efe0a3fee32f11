"""The `scoring` config: which error, how window errors become row scores, and smoothing."""

from dataclasses import dataclass
from enum import Enum

from tsadlab.errors import ConfigError
from tsadlab.scoring import SCORING_ERRORS


class Alignment(Enum):
    """How window errors become row scores: the window's last row (the tutorial's), or the
    mean over every window covering a row."""

    end = "end"
    mean = "mean"


class SmoothingBase(Enum):
    """What `scoring.smoothing`'s fraction is of: the part's rows, or its windows (Orion's
    `reconstruction_errors` takes its fraction of the windows)."""

    rows = "rows"
    windows = "windows"


@dataclass
class ScoringConfig:
    """Reconstruction error kind (a registered one), alignment, and Orion's smoothing over a
    fraction of the rows or of the windows (0: none)."""

    error: str = "mae"
    alignment: Alignment = Alignment.end
    smoothing: float = 0.0
    smoothing_of: SmoothingBase = SmoothingBase.rows

    def __post_init__(self) -> None:
        SCORING_ERRORS.get(self.error)  # one line naming the registered kinds
        if not 0.0 <= self.smoothing < 1.0:
            raise ConfigError(f"Received: scoring.smoothing={self.smoothing} (must be in [0, 1))")
