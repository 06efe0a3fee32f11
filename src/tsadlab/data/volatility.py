"""Returns in units of their recent volatility: a move is sudden relative to the market's
recent volatility, not to the whole history's (a 4 % day is extraordinary in a calm summer
and ordinary in October 2008).

`data.volatility` divides each row's return by a volatility forecast made from the rows
before it, so no row's value uses a later row:
- `ewma`: RiskMetrics' exponentially weighted variance (J.P. Morgan/Reuters, *RiskMetrics —
  Technical Document*, 4th ed. 1996, §5.2.1), sigma2[t] = lam * sigma2[t-1] +
  (1 - lam) * r[t-1]**2 with lam = 0.94 for daily data, the recursion of `arch`'s
  `EWMAVariance` (tested against it). It starts from r[0]**2 (pandas' `ewm(adjust=False)`);
  the first `volatility_warmup` rows, whose variance rests on too few returns, are dropped.
- `garch`: the standardised residuals of a GARCH(1,1) with a constant mean (Bollerslev 1986)
  whose parameters `arch` fits on the training part only, by maximum likelihood; the variance
  recursion then runs over every row with those parameters, from the fit's backcast (a
  weighted mean of the first 75 squared residuals from the training mean, `arch`'s). The
  recursion is written here rather than taken from `arch`'s `fix`, which bounds each
  variance by statistics of the whole sample: a look-ahead, small but real. On the training
  part it equals `arch`'s own conditional volatility (tested). The same warm-up rows are dropped.
Each column is standardised on its own.
"""

from enum import Enum

import numpy as np
import pandas as pd

from tsadlab.errors import DataError


class Volatility(Enum):
    """How returns are put in units of their recent volatility (none: left as they are)."""

    none = "none"
    ewma = "ewma"
    garch = "garch"


# arch fits better-conditioned likelihoods on percent returns (its own advice: rescale)
PERCENT = 100.0


def ewma_variance(returns: np.ndarray, lam: float) -> np.ndarray:
    """RiskMetrics' variance forecast for each row from the rows before it, (n, d); row 0,
    with no past, gets NaN."""
    squared = pd.DataFrame(returns**2)
    after = squared.ewm(alpha=1.0 - lam, adjust=False).mean().to_numpy()  # through row t
    return np.vstack([np.full((1, returns.shape[1]), np.nan), after[:-1]])


def garch_variance(returns: np.ndarray, n_train: int) -> tuple[np.ndarray, np.ndarray]:
    """GARCH(1,1) variance forecasts (n, d) with parameters fitted on the first n_train rows,
    and the demeaned returns they standardise."""
    from arch import arch_model  # only here: a run without garch never imports it

    variances, residuals = np.empty_like(returns), np.empty_like(returns)
    for j in range(returns.shape[1]):
        scaled = returns[:, j] * PERCENT
        model = arch_model(scaled[:n_train], mean="Constant", vol="GARCH", p=1, q=1, rescale=False)
        fitted = model.fit(disp="off")
        if fitted.convergence_flag != 0:
            raise DataError(
                f"data.volatility=garch: the GARCH(1,1) fit on column {j}'s training part did "
                f"not converge ({fitted.optimization_result.message}); use data.volatility=ewma"
            )
        mu, omega, alpha, beta = (float(v) for v in fitted.params.iloc[:4])
        resid = scaled - mu
        # arch's backcast, from its starting residuals (the training mean's)
        backcast = model.volatility.backcast(scaled[:n_train] - scaled[:n_train].mean())
        sigma2 = np.empty(len(scaled))
        sigma2[0] = omega + (alpha + beta) * backcast
        for t in range(1, len(scaled)):
            sigma2[t] = omega + alpha * resid[t - 1] ** 2 + beta * sigma2[t - 1]
        variances[:, j], residuals[:, j] = sigma2, resid
    return variances, residuals


def standardise(
    returns: np.ndarray, kind: Volatility, n_train: int, lam: float, warmup: int
) -> np.ndarray:
    """Returns (n, d) divided by their volatility forecast, without the first `warmup` rows
    (n - warmup, d)."""
    if kind is Volatility.ewma:
        standard = returns / np.sqrt(ewma_variance(returns, lam))
    else:
        variances, residuals = garch_variance(returns, n_train)
        standard = residuals / np.sqrt(variances)
    return standard[warmup:]
