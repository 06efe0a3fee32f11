"""Transform, chronological split and scaling (fitted on the training part only)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import TransformerMixin

from tsadlab.data import volatility
from tsadlab.data.config import DataConfig, Transform
from tsadlab.data.scalers import make_scaler
from tsadlab.data.series import Series
from tsadlab.errors import ConfigError, DataError, choice


@dataclass(frozen=True)
class PreparedSeries:
    """A series ready for windowing: model inputs plus what is needed to report in raw units."""

    timestamps: pd.Index
    raw: np.ndarray  # original values at each kept row, (n, d)
    model_input: np.ndarray  # transformed and scaled values, (n, d), float32
    labels: np.ndarray | None
    n_train: int  # rows [0, n_train) are the training period, the rest is test
    scaler: TransformerMixin | None


def apply_transform(
    values: np.ndarray, kind: Transform, columns: tuple[str, ...] = ()
) -> np.ndarray:
    """Apply a stateless transform; diff and log_return drop the first row."""
    kind = choice(Transform, kind, "data.transform")
    if kind is Transform.none:
        return values
    if kind is Transform.diff:
        return np.diff(values, axis=0)
    bad = np.argwhere(values <= 0)
    if len(bad):
        row, col = bad[0]
        name = columns[col] if columns else str(col)
        raise DataError(
            f"data.transform=log_return needs positive values; column '{name}' holds "
            f"{values[row, col]:g} at data row {row + 1} (use transform diff or none)"
        )
    return np.diff(np.log(values), axis=0)


def train_size(timestamps: pd.Index, data: DataConfig, source_train_end: int | None) -> int:
    """Rows in the training period: the series' own split where its source defines one (and
    `data.source_split` keeps it), else before `data.test_start`, else
    int(n * data.train_fraction).

    train_fraction=1.0 leaves no test part: the model is fitted on, and scores, every row.
    """
    n = len(timestamps)
    if source_train_end is not None and data.source_split:
        if data.test_start is not None:
            raise ConfigError(
                f"Received: data.test_start={data.test_start} for a series whose source defines "
                "its training part (set data.source_split=false to split by date instead)"
            )
        if not 0 < source_train_end <= n:
            raise DataError(
                f"the series' own training part ends at row {source_train_end}, outside its "
                f"{n} rows"
            )
        return source_train_end
    if data.test_start is not None:
        return _rows_before(timestamps, data.test_start)
    if not 0.0 < data.train_fraction <= 1.0:
        raise ConfigError(
            f"Received: data.train_fraction={data.train_fraction} (must be in (0, 1])"
        )
    # 1.0 is the Orion benchmark protocol: fit on the whole series and score it all.
    return int(n * data.train_fraction)


def _rows_before(timestamps: pd.Index, test_start: str) -> int:
    if not isinstance(timestamps, pd.DatetimeIndex):
        raise ConfigError(
            f"Received: data.test_start={test_start} for a series without times (its rows are "
            "numbered: split it with data.train_fraction)"
        )
    try:
        start = pd.Timestamp(test_start)
    except ValueError:
        raise ConfigError(
            f"Received: data.test_start={test_start} (must be a date such as 2015-01-02)"
        ) from None
    if timestamps.tz is not None and start.tz is None:
        start = start.tz_localize(timestamps.tz)
    n_train = int(timestamps.searchsorted(start, side="left"))
    if not 0 < n_train < len(timestamps):
        raise ConfigError(
            f"Received: data.test_start={test_start} (must fall inside the series, "
            f"{timestamps[0].date()} .. {timestamps[-1].date()})"
        )
    return n_train


def prepare(series: Series, data: DataConfig) -> PreparedSeries:
    """Transform, split chronologically, and scale with statistics of the training part only."""
    # The transform only looks backwards one step, so applying it before the split uses no
    # future data and keeps the first test row's difference instead of losing it.
    with np.errstate(all="ignore"):  # overflow is reported below, naming the column
        transformed = apply_transform(series.values, data.transform, series.columns)
        drop = len(series.values) - len(transformed)
        timestamps = series.timestamps[drop:]
        raw = series.values[drop:]
        labels = None if series.labels is None else series.labels[drop:]
        own_end = None if series.train_end is None else series.train_end - drop
        n_train = train_size(timestamps, data, own_end)
        _check_not_constant(transformed[:n_train], series.columns, data.transform)
        kind = choice(volatility.Volatility, data.volatility, "data.volatility")
        if kind is not volatility.Volatility.none:
            transformed = in_volatility_units(transformed, kind, n_train, data)
            warmup = data.volatility_warmup
            drop += warmup
            timestamps, raw = series.timestamps[drop:], series.values[drop:]
            labels = None if labels is None else labels[warmup:]
            n_train -= warmup
        fitted = make_scaler(data.scaler, data.scaler_range)
        if fitted is not None:
            fitted.fit(transformed[:n_train])
            transformed = fitted.transform(transformed)
        model_input = transformed.astype(np.float32)
        steps = (
            f"transform {data.transform.value}, volatility {kind.value}, scaler {data.scaler.value}"
        )
        _check_model_input(model_input, n_train, raw, series.columns, steps)
    return PreparedSeries(
        timestamps=timestamps,
        raw=raw,
        model_input=model_input,
        labels=labels,
        n_train=n_train,
        scaler=fitted,
    )


def in_volatility_units(
    returns: np.ndarray, kind: "volatility.Volatility", n_train: int, data: DataConfig
) -> np.ndarray:
    """Returns divided by their volatility forecast (data/volatility.py), warm-up rows
    dropped; the settings checked first."""
    transform = choice(Transform, data.transform, "data.transform")
    if transform is Transform.none:
        raise ConfigError(
            f"Received: data.volatility={kind.value} with data.transform=none (volatility "
            "scales returns: use data.transform=log_return or diff)"
        )
    if not 0.0 < data.volatility_lambda < 1.0:
        raise ConfigError(
            f"Received: data.volatility_lambda={data.volatility_lambda} (in (0, 1); "
            "RiskMetrics uses 0.94 for daily returns)"
        )
    if not 1 <= data.volatility_warmup < n_train:
        raise ConfigError(
            f"Received: data.volatility_warmup={data.volatility_warmup} (at least 1, and fewer "
            f"than the {n_train} training rows)"
        )
    return volatility.standardise(
        returns, kind, n_train, data.volatility_lambda, data.volatility_warmup
    )


def _check_not_constant(train: np.ndarray, columns: tuple[str, ...], transform: Transform) -> None:
    if len(train) == 0:
        raise DataError("the training part of the series is empty (raise data.train_fraction)")
    flat = np.ptp(train, axis=0) == 0
    if flat.any():
        name = columns[int(np.argmax(flat))] if columns else "0"
        after = "" if transform is Transform.none else f" after transform {transform.value}"
        raise DataError(
            f"column '{name}' is constant{after} over the training part ({train[0, flat][0]:g}); "
            "a reconstruction model has nothing to learn from it"
        )


# A training part whose scaled float32 values span less than this is a constant to the model.
MIN_SCALED_SPREAD = 1e-6


def _check_model_input(
    model_input: np.ndarray, n_train: int, raw: np.ndarray, columns: tuple[str, ...], steps: str
) -> None:
    """Values too large to scale (overflow to inf) or too small to differ once scaled
    (scikit-learn's scalers leave a near-zero spread unscaled) would train on nonsense."""
    for j in range(model_input.shape[1]):
        name = columns[j] if columns else str(j)
        if not np.isfinite(model_input[:, j]).all():
            raise DataError(
                f"column '{name}' is too large to model: largest |value| "
                f"{np.abs(raw[:, j]).max():g} overflows after {steps}; rescale the data"
            )
        if np.ptp(model_input[:n_train, j]) < MIN_SCALED_SPREAD:
            raise DataError(
                f"column '{name}' varies by only {np.ptp(raw[:n_train, j]):g} over the "
                f"training part; after {steps} the model sees a constant (rescale the data)"
            )
