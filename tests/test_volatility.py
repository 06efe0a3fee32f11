"""Returns in units of their recent volatility (`data.volatility`): RiskMetrics' EWMA and a
GARCH(1,1) fitted on the training part, each tested against `arch`, the reference
implementation, and for look-ahead."""

import numpy as np
import pandas as pd
import pytest
from arch import arch_model
from arch.univariate import EWMAVariance, ZeroMean
from conftest import compose_config

from tsadlab.config import to_run_config
from tsadlab.data.prepare import prepare
from tsadlab.data.series import Series
from tsadlab.data.sources.sp500 import sp500_path
from tsadlab.data.volatility import Volatility, ewma_variance, garch_variance, standardise
from tsadlab.errors import ConfigError

CLOSE = pd.read_csv(sp500_path())["close"].to_numpy()
RETURNS = np.diff(np.log(CLOSE))[:, None]  # the bundled S&P 500's daily log returns


def test_ewma_is_riskmetrics_as_arch_computes_it():
    ours = ewma_variance(RETURNS * 100, 0.94)[:, 0]
    reference = ZeroMean(RETURNS[:, 0] * 100, volatility=EWMAVariance(0.94)).fix([])
    theirs = np.asarray(reference.conditional_volatility) ** 2
    # the two start differently (r[0]**2 against arch's backcast); 0.94**600 ~ 1e-16 later
    np.testing.assert_allclose(ours[600:], theirs[600:], rtol=1e-9)


def test_garch_on_the_training_part_is_archs_own_fit():
    n_train = 6000
    variances, residuals = garch_variance(RETURNS, n_train)
    fitted = arch_model(
        RETURNS[:n_train, 0] * 100, mean="Constant", vol="GARCH", p=1, q=1, rescale=False
    ).fit(disp="off")
    np.testing.assert_allclose(variances[:n_train, 0], fitted.conditional_volatility**2, rtol=1e-10)
    np.testing.assert_allclose(residuals[:n_train, 0], fitted.resid, rtol=1e-10)


@pytest.mark.parametrize("kind", [Volatility.ewma, Volatility.garch])
def test_no_row_uses_a_later_row(kind):
    n_train, changed = 6000, 7000
    before = standardise(RETURNS, kind, n_train, 0.94, 20)
    shocked = RETURNS.copy()
    shocked[changed] += 0.2  # a 20 % move in the test part
    after = standardise(shocked, kind, n_train, 0.94, 20)
    row = changed - 20  # warm-up rows are dropped
    np.testing.assert_array_equal(after[:row], before[:row])
    assert after[row] > before[row] and not np.allclose(after[row + 1 :], before[row + 1 :])


def test_a_calm_summers_drop_is_extraordinary_and_octobers_ordinary():
    """The point of the preparation: in volatility units 24 Aug 2015 (-3.9 %) is a larger
    move (-3.6 sigma) than 15 Oct 2008 (-9.0 %, -2.2 sigma), which came in a storm."""
    dates = pd.to_datetime(pd.read_csv(sp500_path())["date"]).to_numpy()[1:]
    standard = standardise(RETURNS, Volatility.ewma, 6000, 0.94, 20)[:, 0]
    day = {str(d)[:10]: z for d, z in zip(dates[20:], standard, strict=True)}
    assert abs(day["2015-08-24"]) > 1.5 * abs(day["2008-10-15"])


def test_prepare_drops_the_warm_up_rows_and_keeps_timestamps_and_raw_values_aligned():
    cfg = to_run_config(
        compose_config(["data.transform=log_return", "data.volatility=ewma", "data.rows=3000"])
    )
    timestamps = pd.date_range("2000-01-03", periods=3000, freq="B")
    series = Series("s", timestamps, CLOSE[:3000, None], ("close",), None, "test", "0")
    prepared = prepare(series, cfg.data)
    assert len(prepared.model_input) == 3000 - 1 - 20 == len(prepared.raw)
    assert prepared.timestamps[0] == timestamps[21] and prepared.raw[0, 0] == CLOSE[21]
    assert prepared.n_train == int(2999 * cfg.data.train_fraction) - 20


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["data.transform=none", "data.volatility=ewma"],
            "data.volatility=ewma with data.transform=none",
        ),
        (
            ["data.transform=log_return", "data.volatility=ewma", "data.volatility_lambda=1"],
            "data.volatility_lambda=1",
        ),
        (
            ["data.transform=log_return", "data.volatility=garch", "data.volatility_warmup=0"],
            "data.volatility_warmup=0",
        ),
    ],
)
def test_bad_volatility_settings_are_one_line(overrides, message):
    cfg = to_run_config(compose_config(overrides))
    timestamps = pd.date_range("2000-01-03", periods=500, freq="B")
    series = Series("s", timestamps, CLOSE[:500, None], ("close",), None, "test", "0")
    with pytest.raises(ConfigError, match=message):
        prepare(series, cfg.data)
