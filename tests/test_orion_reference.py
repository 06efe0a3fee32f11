"""Orion's data steps against Orion's own primitives (ml-stars 0.2.3, which Orion 0.7.1's
pipelines run, installed with --no-deps by `make setup`): its aggregation into intervals and
its imputation, and its windows."""

import sys
import types
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer

from tsadlab.data.config import ResampleFill, ResampleOrigin
from tsadlab.data.prepare import PreparedSeries
from tsadlab.data.resample import resample_series
from tsadlab.data.series import Series
from tsadlab.data.windows import Target, make_windows


@pytest.fixture
def orion_preprocessing(monkeypatch):
    """ml-stars' timeseries preprocessing module. Its package imports MLBlocks (for its
    primitive annotations, never used here): an empty stand-in is there while it loads."""
    mlblocks = types.ModuleType("mlblocks")
    mlblocks.MLBlock = object
    monkeypatch.setitem(sys.modules, "mlblocks", mlblocks)
    return pytest.importorskip("mlstars.custom.timeseries_preprocessing")


def unix_seconds(stamps: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray((stamps - pd.Timestamp(0)) // pd.Timedelta(seconds=1))


def nab_like(seed: int) -> Series:
    """Rows every 5 minutes from an odd start, with a few hours missing twice."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2014-02-14 14:27:00") + pd.Timedelta(seconds=int(rng.integers(600)))
    stamps = start + pd.to_timedelta(np.arange(3000) * 300, unit="s")
    keep = np.ones(len(stamps), dtype=bool)
    keep[800:860] = keep[2000:2100] = False
    values = rng.normal(size=(int(keep.sum()), 1)).cumsum(axis=0)
    labels = np.zeros(int(keep.sum()), dtype=np.int8)
    return Series("s", pd.DatetimeIndex(stamps[keep]), values, ("value",), labels, "mem", "0" * 64)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("interval", [600, 3600])
def test_intervals_from_the_first_row_filled_with_the_mean_are_orions(
    orion_preprocessing, seed, interval
):
    series = nab_like(seed)
    seconds = unix_seconds(series.timestamps)  # Orion's timestamps
    frame = pd.DataFrame({"timestamp": seconds, "value": series.values[:, 0]})
    values, index = orion_preprocessing.time_segments_aggregate(frame, interval, "timestamp")
    values = SimpleImputer().fit_transform(values)  # the pipelines' next primitive
    ours = resample_series(series, f"{interval}s", ResampleOrigin.start, ResampleFill.mean)
    np.testing.assert_array_equal(unix_seconds(ours.timestamps), index)
    np.testing.assert_allclose(ours.values, values, rtol=1e-12)


def test_clock_intervals_interpolated_are_not_orions(orion_preprocessing):
    series = nab_like(0)
    seconds = unix_seconds(series.timestamps)
    frame = pd.DataFrame({"timestamp": seconds, "value": series.values[:, 0]})
    _, index = orion_preprocessing.time_segments_aggregate(frame, 3600, "timestamp")
    ours = resample_series(series, "3600s")
    assert unix_seconds(ours.timestamps)[0] != index[0]


@pytest.mark.parametrize("n_train", [500, 347])
def test_windows_stopping_one_row_early_are_orions(orion_preprocessing, n_train):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(n_train, 2)).astype(np.float32)
    index = np.arange(n_train)
    expected, _, _, _ = orion_preprocessing.rolling_window_sequences(
        values, index, window_size=100, target_size=1, step_size=1, target_column=0
    )
    stamps = pd.date_range("2020-01-01", periods=n_train, freq="h")
    prepared = PreparedSeries(stamps, values, values, None, n_train, None)
    windows = make_windows(prepared, 100, Target.reconstruction, 1, 0.0, tail_rows=1)
    assert len(windows.x_train) == n_train - 100
    np.testing.assert_array_equal(windows.x_train, expected)


def test_filling_with_the_mean_takes_the_training_parts_mean():
    series = replace(nab_like(1), train_end=1500)
    ours = resample_series(series, "3600s", ResampleOrigin.start, ResampleFill.mean)
    interpolated = resample_series(series, "3600s", ResampleOrigin.start)
    empty = ~np.isclose(ours.values[:, 0], interpolated.values[:, 0])
    assert empty.any()
    frame = pd.DataFrame(series.values[:1500], index=series.timestamps[:1500])
    training_mean = frame.resample("3600s", origin="start").mean().mean().iloc[0]
    np.testing.assert_allclose(ours.values[empty, 0], training_mean)


def test_filling_with_the_mean_under_a_split_by_fraction_is_one_line():
    from conftest import compose_config

    from tsadlab.config import to_run_config
    from tsadlab.errors import ConfigError
    from tsadlab.protocol import fitted_data

    cfg = to_run_config(compose_config(["data.resample=7D", "data.resample_fill=mean"]))
    with pytest.raises(ConfigError, match="data.resample_fill=mean with a split"):
        fitted_data(cfg.data, cfg.protocol)
    orion = to_run_config(
        compose_config(["data.resample=7D", "data.resample_fill=mean", "protocol=orion"])
    )
    assert fitted_data(orion.data, orion.protocol).train_fraction == 1.0
