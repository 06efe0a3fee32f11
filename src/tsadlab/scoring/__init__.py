"""Scoring: reconstruction errors (one registry of error kinds), their alignment to the rows
of the series, and smoothing.

An error kind is registered with the function that computes it:

    @register_error("mae")                      # one error per window
    def mae(x, x_hat): ...                      # (m, w, d), (m, w, d) -> (m,)

    @register_error("point", per_row=True)      # one error per row (Orion's)
    def point(values, stack): ...               # (r, d), (r, w, d) -> (r,)

    @register_error("forecast_mae", forecast=True)  # a forecaster's output against the
    def forecast_mae(y, y_hat): ...                 # row it forecasts: (m, d), (m, d) -> (m,)

    @register_error("aer", per_row=True, whole_part=True)  # a row error computed over the
    def aer(values, stack): ...                            # whole part at once (Orion's AER)

where `stack[i]` holds every reconstruction of row i (NaN where fewer windows cover it). A
row error is computed chunk by chunk over a long part (each call sees a run of rows); one
with steps over the whole series (an EWMA, a min-max scaling) says `whole_part=True` and is
called once per part, with every row's stack (rows x window x features floats at once).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tsadlab.registry import Kind, Registry, origin


@dataclass(frozen=True)
class ScoringError:
    """A registered error kind: per window (then aligned to rows) or per row; a forecast
    error compares the model's output with the window's fit target (`model.target=next`: the
    row after the window) instead of with the window itself; a whole-part error is a row
    error computed once over each part (train, test), never over a chunk of its rows."""

    name: str
    per_row: bool
    compute: Callable[[np.ndarray, np.ndarray], np.ndarray]
    origin: str
    forecast: bool = False
    whole_part: bool = False
    for_model: str | None = None  # the only model whose output it reads (AER's: model=aer)


SCORING_ERRORS: Registry[ScoringError] = Registry(
    Kind("scoring error", "scoring.error", None, "tsadlab.scoring")
)


def register_error(
    name: str,
    per_row: bool = False,
    forecast: bool = False,
    whole_part: bool = False,
    for_model: str | None = None,
) -> Callable[[Callable], Callable]:
    """Register the decorated function as the error kind `name` (`for_model`: the model
    whose output layout it reads, refused with any other)."""
    if per_row and forecast:
        raise TypeError(f"error kind {name}: a forecast error is one per window, not per row")
    if whole_part and not per_row:
        raise TypeError(f"error kind {name}: a whole-part error is a row error (per_row=True)")

    def decorate(compute: Callable) -> Callable:
        spec = ScoringError(
            name, per_row, compute, origin(compute), forecast, whole_part, for_model
        )
        SCORING_ERRORS.add(spec)
        return compute

    return decorate
