"""Scores -> threshold -> per-row flags -> contiguous events.

Shared by a run and its re-evaluations (`tsadlab-evaluate`), so that both are computed the
same way.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tsadlab.errors import ConfigError
from tsadlab.intervals import flag_runs
from tsadlab.protocol import Protocol, scored_rows
from tsadlab.thresholds import FitOn, ThresholdConfig, ThresholdStrategy, make_threshold

EVENT_COLUMNS = ["start", "end", "n_points", "peak_time", "peak_score", "split"]


def events_table(
    timestamps: pd.Index, flags: np.ndarray, scores: np.ndarray, split: np.ndarray
) -> pd.DataFrame:
    """One row per contiguous run of flagged rows, with its peak score and split."""
    rows = []
    for first, last in flag_runs(flags):
        segment = scores[first : last + 1]
        # padded strategies can flag unscored rows; the peak is among the scored ones
        peak = first + (int(np.nanargmax(segment)) if np.isfinite(segment).any() else 0)
        rows.append(
            {
                "start": timestamps[first],
                "end": timestamps[last],
                "n_points": int(last - first + 1),
                "peak_time": timestamps[peak],
                "peak_score": float(scores[peak]),
                "split": split[first],
            }
        )
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)


@dataclass(frozen=True)
class Detection:
    """A fitted strategy and what it flagged."""

    strategy: ThresholdStrategy
    flags: np.ndarray
    thresholds: np.ndarray  # the threshold each row was compared with
    events: pd.DataFrame
    fitted_on: str  # which rows the threshold was fitted on

    @property
    def oracle(self) -> bool:
        return self.strategy.oracle


def detect(
    threshold: ThresholdConfig,
    timestamps: pd.Index,
    scores: np.ndarray,
    split: np.ndarray,
    labels: np.ndarray | None = None,
    protocol: Protocol = Protocol.split,
) -> Detection:
    """Fit the configured strategy and flag rows.

    Ordinary strategies are fitted on training-period scores (`fit_on: train`) or validation
    scores (`fit_on: val`), never on test scores. The oracle is fitted on the labels of the
    rows the protocol scores.
    """
    strategy = make_threshold(threshold)
    if strategy.oracle:
        if labels is None:
            raise ConfigError(f"threshold={threshold.name} is an oracle and needs labels")
        rows, fitted_on = scored_rows(split, protocol)
        strategy.fit(scores[rows], labels[rows])
    else:
        fitted_on = threshold.fit_on.value
        rows = split != "test" if threshold.fit_on is FitOn.train else split == "val"
        if not rows.any():
            raise ConfigError(
                "threshold.fit_on=val needs validation rows (trainer.validation_split > 0)"
            )
        strategy.fit(scores[rows])
    flags, thresholds = strategy.flag(scores)  # one pass: sequence strategies are costly
    return Detection(
        strategy,
        flags,
        thresholds,
        events_table(timestamps, flags, scores, split),
        fitted_on,
    )
