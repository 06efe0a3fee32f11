"""Labeled synthetic series: seasonality + trend + noise with injected anomalies, from a seed.

`data=synthetic` is one series cycling through the anomaly kinds; `data.suite=true` (the
`synthetic_suite` preset) is one series per kind, all from the same seed, run as a dataset
like a NAB category.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tsadlab.data.config import DataConfig
from tsadlab.data.series import Dataset, Series
from tsadlab.data.sources import SourceExamples, register_source
from tsadlab.errors import ConfigError

ANOMALY_KINDS = ("spike", "level_shift", "variance_burst", "flatline", "frequency_change")


@dataclass
class SyntheticDataConfig(DataConfig):
    """Sine seasonality, trend and Gaussian noise, with anomalies injected after
    `clean_fraction` of the series; bundled, used by tests and demos."""

    source: str = "synthetic"
    name: str = "synthetic"
    length: int = 5000
    period: int = 100
    amplitude: float = 1.0
    trend: float = 0.0
    noise: float = 0.1
    anomalies: list[str] = field(default_factory=lambda: list(ANOMALY_KINDS))
    n_anomalies: int = 10
    anomaly_length: int = 50
    clean_fraction: float = 0.5
    seed: int = 0
    freq: str = "h"
    # one series per kind in `anomalies` (a dataset, like a NAB category) instead of one
    # series cycling through them
    suite: bool = False
    window: int = 50


# The generator's own settings: every key of the schema that is not a DataConfig key.
GENERATOR_KEYS = tuple(
    k
    for k in SyntheticDataConfig.__dataclass_fields__
    if k not in DataConfig.__dataclass_fields__ and k != "suite"
)


def synthetic_examples(folder: Path) -> SourceExamples:
    """A short series, and one asking for more anomalies than fit in it."""
    return SourceExamples(
        valid=SyntheticDataConfig(length=600, n_anomalies=2, anomaly_length=20),
        malformed=SyntheticDataConfig(length=600, n_anomalies=50, anomaly_length=20),
    )


@register_source(SyntheticDataConfig, examples=synthetic_examples)
def load_synthetic(data: SyntheticDataConfig) -> Dataset:
    """One series, or with `suite` one per anomaly kind from the same seed: the clean signal,
    the noise and the anomaly positions are shared, so the series differ only in the kind
    injected."""
    settings = {key: getattr(data, key) for key in GENERATOR_KEYS} | {"name": data.name}
    if not data.suite:
        return Dataset.of(synthetic_series(**settings))
    if not data.anomalies or len(set(data.anomalies)) < len(data.anomalies):
        raise ConfigError(
            f"Received: data.anomalies={list(data.anomalies)} with data.suite=true (need "
            "distinct kinds, one series each)"
        )
    names = tuple(f"{data.name}_{kind}" for kind in data.anomalies)
    kinds = dict(zip(names, data.anomalies, strict=True))
    return Dataset(
        data.name,
        names,
        lambda name: synthetic_series(**{**settings, "anomalies": [kinds[name]], "name": name}),
    )


def synthetic_series(
    length: int = 5000,
    period: int = 100,
    amplitude: float = 1.0,
    trend: float = 0.0,
    noise: float = 0.1,
    anomalies: tuple[str, ...] | list[str] = ANOMALY_KINDS,
    n_anomalies: int = 10,
    anomaly_length: int = 50,
    clean_fraction: float = 0.5,
    seed: int = 0,
    freq: str = "h",
    name: str = "synthetic",
) -> Series:
    """A series with `n_anomalies` anomalies cycling through `anomalies`, placed at random,
    apart from each other, after the first `clean_fraction` of the series.

    Labels mark every row an anomaly changed: one row for a spike, `anomaly_length` rows for
    the others.
    """
    _check(length, period, anomalies, n_anomalies, anomaly_length, clean_fraction)
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    phase = 2 * np.pi * t / period
    clean = amplitude * np.sin(phase) + trend * t / length
    eps = rng.normal(0.0, noise, length)
    values, labels = clean + eps, np.zeros(length, dtype=np.int8)
    starts = _anomaly_starts(rng, length, n_anomalies, anomaly_length, clean_fraction)
    for i, start in enumerate(starts):
        kind = anomalies[i % len(anomalies)]
        rows = slice(start, start + (1 if kind == "spike" else anomaly_length))
        if kind == "spike":
            values[rows] += rng.choice([-1, 1]) * (3 * amplitude + 10 * noise)
        elif kind == "level_shift":
            values[rows] += rng.choice([-1, 1]) * 1.5 * amplitude
        elif kind == "variance_burst":
            values[rows] = clean[rows] + eps[rows] * 8
        elif kind == "flatline":
            values[rows] = values[start]
        else:  # frequency_change: the same wave, three times as fast, inside the segment
            values[rows] = (
                amplitude * np.sin(3 * phase[rows]) + trend * t[rows] / length + eps[rows]
            )
        labels[rows] = 1
    timestamps = pd.date_range("2020-01-01", periods=length, freq=freq)
    digest = hashlib.sha256(np.ascontiguousarray(values).tobytes() + labels.tobytes()).hexdigest()
    return Series(
        name=name,
        timestamps=timestamps,
        values=values.reshape(-1, 1),
        columns=("value",),
        labels=labels,
        source=f"synthetic(seed={seed})",
        sha256=digest,
    )


def _anomaly_starts(
    rng: np.random.Generator, length: int, count: int, span: int, clean_fraction: float
) -> np.ndarray:
    """Sorted starts of `count` segments of `span` rows, at least `span` rows apart."""
    first = int(length * clean_fraction)
    slots = (length - first) // (2 * span)
    if slots < count:
        raise ConfigError(
            f"Received: data.n_anomalies={count} (at most {slots} anomalies of "
            f"{span} rows fit after data.clean_fraction={clean_fraction} of {length} rows)"
        )
    chosen = np.sort(rng.choice(slots, size=count, replace=False))
    jitter = rng.integers(0, span, size=count)
    return first + chosen * 2 * span + jitter


def _check(
    length: int,
    period: int,
    anomalies,
    n_anomalies: int,
    anomaly_length: int,
    clean_fraction: float,
) -> None:
    unknown = [k for k in anomalies if k not in ANOMALY_KINDS]
    if unknown or not anomalies:
        raise ConfigError(
            f"Received: data.anomalies={list(anomalies)} (each must be one of {ANOMALY_KINDS})"
        )
    if length < 10 or period < 2 or n_anomalies < 0 or anomaly_length < 1:
        raise ConfigError(
            f"Received: data.length={length}, data.period={period}, data.n_anomalies="
            f"{n_anomalies}, data.anomaly_length={anomaly_length} (need length >= 10, "
            "period >= 2, n_anomalies >= 0, anomaly_length >= 1)"
        )
    if not 0.0 <= clean_fraction < 1.0:
        raise ConfigError(f"Received: data.clean_fraction={clean_fraction} (must be in [0, 1))")
