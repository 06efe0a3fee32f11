"""The built-in errors: reconstruction per window (mae, mse) and per row (Orion's point), and
a forecaster's prediction error (forecast_mae, forecast_mse)."""

import numpy as np

from tsadlab.scoring import register_error


def _difference(x: np.ndarray, x_hat: np.ndarray) -> np.ndarray:
    return np.asarray(x_hat, dtype=np.float64) - np.asarray(x, dtype=np.float64)


@register_error("mae")
def mae(x: np.ndarray, x_hat: np.ndarray) -> np.ndarray:
    """Mean absolute difference over a window's steps and features (the tutorial's)."""
    return np.abs(_difference(x, x_hat)).mean(axis=(1, 2))


@register_error("mse")
def mse(x: np.ndarray, x_hat: np.ndarray) -> np.ndarray:
    """Mean squared difference over a window's steps and features."""
    return np.square(_difference(x, x_hat)).mean(axis=(1, 2))


@register_error("point", per_row=True)
def point(values: np.ndarray, stack: np.ndarray) -> np.ndarray:
    """Orion's point error: |row - median of every reconstruction of that row|, mean over
    channels; NaN for a row no window covers."""
    covered = ~np.isnan(stack[:, :, 0]).all(axis=1)
    median = np.full(values.shape, np.nan)
    median[covered] = np.nanmedian(stack[covered], axis=1)
    return np.abs(values - median).mean(axis=1)


def _forecast_difference(y: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
    """(m, steps * d) differences of forecasts and the rows forecast, whatever the output's
    shape ((m, d) from a Dense head, (m, 1, d) from a sequence one)."""
    return _difference(y, np.reshape(y_hat, np.shape(y))).reshape(len(y), -1)


@register_error("forecast_mae", forecast=True)
def forecast_mae(y: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
    """Mean absolute difference of the forecast and the row it forecasts, over the channels
    (the prediction error of forecasting detectors: LSTM-DT, LSTMAD)"""
    return np.abs(_forecast_difference(y, y_hat)).mean(axis=1)


@register_error("forecast_mse", forecast=True)
def forecast_mse(y: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
    """Mean squared difference of the forecast and the row it forecasts, over the channels
    (TSB-AD's LSTMAD and CNN score)"""
    return np.square(_forecast_difference(y, y_hat)).mean(axis=1)
