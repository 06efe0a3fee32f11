"""Transform, chronological split and scaling (fitted on the training part only)."""

import json
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.base import TransformerMixin
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from tsadlab.data.series import Series
from tsadlab.errors import ConfigError, DataError

TRANSFORMS = ("none", "diff", "log_return")
SCALERS = {"standard": StandardScaler, "minmax": MinMaxScaler, "robust": RobustScaler}
# The fitted attributes that fully define each scaler's transform, saved as JSON.
SCALER_STATE = {
    "standard": ("mean_", "var_", "scale_", "n_features_in_"),
    "minmax": ("min_", "scale_", "data_min_", "data_max_", "data_range_", "n_features_in_"),
    "robust": ("center_", "scale_", "n_features_in_"),
}


@dataclass(frozen=True)
class PreparedSeries:
    """A series ready for windowing: model inputs plus what is needed to report in raw units."""

    timestamps: pd.DatetimeIndex
    raw: np.ndarray  # original values at each kept timestamp, (n, d)
    model_input: np.ndarray  # transformed and scaled values, (n, d), float32
    labels: np.ndarray | None
    n_train: int  # rows [0, n_train) are the training period, the rest is test
    scaler: TransformerMixin | None


def resample_series(series: Series, rule: str) -> Series:
    """Mean of each `rule` interval (a pandas offset such as '600s' or '1h'); labels by max.

    Intervals with no rows are interpolated in time, as the Orion benchmark fills the bins its
    aggregation leaves empty; their label is 1 only inside a labeled window.
    """
    try:
        frame = pd.DataFrame(series.values, index=series.timestamps).resample(rule)
    except ValueError:
        raise ConfigError(
            f"Received: data.resample={rule} (must be a pandas offset such as 600s, 1h, 1D)"
        ) from None
    values = frame.mean().interpolate(method="time", limit_direction="both")
    labels = None
    if series.labels is not None:
        grouped = pd.Series(series.labels, index=series.timestamps).resample(rule).max()
        # An empty interval inside a labeled window stays labeled, so that a gap in the data
        # does not split one labeled anomaly into several.
        inside = (grouped.ffill() == 1) & (grouped.bfill() == 1)
        labels = grouped.where(grouped.notna(), inside).to_numpy().astype(np.int8)
    return replace(
        series, timestamps=pd.DatetimeIndex(values.index), values=values.to_numpy(), labels=labels
    )


def apply_transform(values: np.ndarray, kind: str, columns: tuple[str, ...] = ()) -> np.ndarray:
    """Apply a stateless transform; diff and log_return drop the first row."""
    if kind == "none":
        return values
    if kind == "diff":
        return np.diff(values, axis=0)
    if kind == "log_return":
        bad = np.argwhere(values <= 0)
        if len(bad):
            row, col = bad[0]
            name = columns[col] if columns else str(col)
            raise DataError(
                f"data.transform=log_return needs positive values; column '{name}' holds "
                f"{values[row, col]:g} at data row {row + 1} (use transform diff or none)"
            )
        return np.diff(np.log(values), axis=0)
    raise ConfigError(f"Received: data.transform={kind} (must be one of {TRANSFORMS})")


def train_size(
    timestamps: pd.DatetimeIndex, train_fraction: float, test_start: str | None = None
) -> int:
    """Rows in the training period: before `test_start` if given, else int(n * train_fraction).

    train_fraction=1.0 leaves no test part: the model is fitted on, and scores, every row.
    """
    n = len(timestamps)
    if test_start is not None:
        try:
            start = pd.Timestamp(test_start)
        except ValueError:
            raise ConfigError(
                f"Received: data.test_start={test_start} (must be a date such as 2015-01-02)"
            ) from None
        if timestamps.tz is not None and start.tz is None:
            start = start.tz_localize(timestamps.tz)
        n_train = int(timestamps.searchsorted(start, side="left"))
        if not 0 < n_train < n:
            raise ConfigError(
                f"Received: data.test_start={test_start} (must fall inside the series, "
                f"{timestamps[0].date()} .. {timestamps[-1].date()})"
            )
        return n_train
    if not 0.0 < train_fraction <= 1.0:
        raise ConfigError(f"Received: data.train_fraction={train_fraction} (must be in (0, 1])")
    # 1.0 is the Orion benchmark protocol: fit on the whole series and score it all.
    return int(n * train_fraction)


def make_scaler(
    kind: str, feature_range: tuple[float, float] = (0.0, 1.0)
) -> TransformerMixin | None:
    """A new, unfitted scikit-learn scaler, or None for `none`; `feature_range` is minmax's."""
    if kind == "none":
        return None
    if kind not in SCALERS:
        raise ConfigError(f"Received: data.scaler={kind} (must be one of {(*SCALERS, 'none')})")
    if kind == "minmax":
        low, high = (float(v) for v in feature_range)
        if not low < high:
            raise ConfigError(
                f"Received: data.scaler_range={list(feature_range)} (need [low, high], low < high)"
            )
        return MinMaxScaler(feature_range=(low, high))
    return SCALERS[kind]()


def scaler_to_dict(scaler: TransformerMixin | None) -> dict:
    """The fitted scaler as plain JSON-ready data."""
    if scaler is None:
        return {"kind": "none"}
    kind = next(k for k, cls in SCALERS.items() if isinstance(scaler, cls))
    state = {}
    for attr in SCALER_STATE[kind]:
        value = getattr(scaler, attr)
        state[attr] = value.tolist() if isinstance(value, np.ndarray) else value
    return {"kind": kind, "params": scaler.get_params(), "state": state}


def scaler_from_dict(data: dict) -> TransformerMixin | None:
    """Rebuild a fitted scaler from `scaler_to_dict` output."""
    scaler = make_scaler(data["kind"])
    if scaler is None:
        return None
    params = dict(data["params"])
    if "feature_range" in params:  # JSON has no tuples
        params["feature_range"] = tuple(params["feature_range"])
    scaler.set_params(**params)
    for attr, value in data["state"].items():
        setattr(scaler, attr, np.asarray(value) if isinstance(value, list) else value)
    return scaler


def scaler_json(scaler: TransformerMixin | None) -> str:
    """`scaler_to_dict` as indented JSON text."""
    return json.dumps(scaler_to_dict(scaler), indent=2)


def prepare(
    series: Series,
    train_fraction: float = 0.8,
    test_start: str | None = None,
    transform: str = "none",
    scaler: str = "standard",
    scaler_range: tuple[float, float] = (0.0, 1.0),
) -> PreparedSeries:
    """Transform, split chronologically, and scale with statistics of the training part only."""
    # The transform only looks backwards one step, so applying it before the split uses no
    # future data and keeps the first test row's difference instead of losing it.
    with np.errstate(all="ignore"):  # overflow is reported below, naming the column
        transformed = apply_transform(series.values, transform, series.columns)
        drop = len(series.values) - len(transformed)
        timestamps = series.timestamps[drop:]
        raw = series.values[drop:]
        labels = None if series.labels is None else series.labels[drop:]
        n_train = train_size(timestamps, train_fraction, test_start)
        _check_not_constant(transformed[:n_train], series.columns, transform)
        fitted = make_scaler(scaler, scaler_range)
        if fitted is not None:
            fitted.fit(transformed[:n_train])
            transformed = fitted.transform(transformed)
        model_input = transformed.astype(np.float32)
        steps = f"transform {transform}, scaler {scaler}"
        _check_model_input(model_input, n_train, raw, series.columns, steps)
    return PreparedSeries(
        timestamps=timestamps,
        raw=raw,
        model_input=model_input,
        labels=labels,
        n_train=n_train,
        scaler=fitted,
    )


def _check_not_constant(train: np.ndarray, columns: tuple[str, ...], transform: str) -> None:
    if len(train) == 0:
        raise DataError("the training part of the series is empty (raise data.train_fraction)")
    flat = np.ptp(train, axis=0) == 0
    if flat.any():
        name = columns[int(np.argmax(flat))] if columns else "0"
        after = "" if transform == "none" else f" after transform {transform}"
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
