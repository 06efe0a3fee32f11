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


@dataclass
class ScoringConfig:
    """Reconstruction error kind (a registered one), alignment, and Orion's smoothing over a
    fraction of the rows (0: none)."""

    error: str = "mae"
    alignment: Alignment = Alignment.end
    smoothing: float = 0.0

    def __post_init__(self) -> None:
        SCORING_ERRORS.get(self.error)  # one line naming the registered kinds
        if not 0.0 <= self.smoothing < 1.0:
            raise ConfigError(f"Received: scoring.smoothing={self.smoothing} (must be in [0, 1))")
