"""Scikit-learn scalers by config name, and their fitted state as JSON (scaler.json)."""

import json

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from tsadlab.data.config import Scaler
from tsadlab.errors import ConfigError, choice

SCALERS = {
    Scaler.standard: StandardScaler,
    Scaler.minmax: MinMaxScaler,
    Scaler.robust: RobustScaler,
}
# The fitted attributes that fully define each scaler's transform, saved as JSON.
SCALER_STATE = {
    Scaler.standard: ("mean_", "var_", "scale_", "n_features_in_"),
    Scaler.minmax: ("min_", "scale_", "data_min_", "data_max_", "data_range_", "n_features_in_"),
    Scaler.robust: ("center_", "scale_", "n_features_in_"),
}


def make_scaler(
    kind: Scaler | str, feature_range: tuple[float, float] = (0.0, 1.0)
) -> TransformerMixin | None:
    """A new, unfitted scikit-learn scaler, or None for `none`; `feature_range` is minmax's."""
    kind = choice(Scaler, kind, "data.scaler")
    if kind is Scaler.none:
        return None
    if kind is Scaler.minmax:
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
    return {"kind": kind.value, "params": scaler.get_params(), "state": state}


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
