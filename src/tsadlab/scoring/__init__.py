"""Scoring: reconstruction errors (one registry of error kinds), their alignment to the rows
of the series, and smoothing.

An error kind is registered with the function that computes it:

    @register_error("mae")                      # one error per window
    def mae(x, x_hat): ...                      # (m, w, d), (m, w, d) -> (m,)

    @register_error("point", per_row=True)      # one error per row (Orion's)
    def point(values, stack): ...               # (r, d), (r, w, d) -> (r,)

    @register_error("forecast_mae", forecast=True)  # a forecaster's output against the
    def forecast_mae(y, y_hat): ...                 # row it forecasts: (m, d), (m, d) -> (m,)

where `stack[i]` holds every reconstruction of row i (NaN where fewer windows cover it).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tsadlab.registry import Kind, Registry, origin


@dataclass(frozen=True)
class ScoringError:
    """A registered error kind: per window (then aligned to rows) or per row; a forecast
    error compares the model's output with the window's fit target (`model.target=next`: the
    row after the window) instead of with the window itself."""

    name: str
    per_row: bool
    compute: Callable[[np.ndarray, np.ndarray], np.ndarray]
    origin: str
    forecast: bool = False


SCORING_ERRORS: Registry[ScoringError] = Registry(
    Kind("scoring error", "scoring.error", None, "tsadlab.scoring")
)


def register_error(
    name: str, per_row: bool = False, forecast: bool = False
) -> Callable[[Callable], Callable]:
    """Register the decorated function as the error kind `name`."""
    if per_row and forecast:
        raise TypeError(f"error kind {name}: a forecast error is one per window, not per row")

    def decorate(compute: Callable) -> Callable:
        SCORING_ERRORS.add(ScoringError(name, per_row, compute, origin(compute), forecast))
        return compute

    return decorate
