import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from tsadlab.data.config import DataConfig, Scaler, Transform
from tsadlab.data.prepare import apply_transform, prepare, train_size
from tsadlab.data.resample import resample_series
from tsadlab.data.scalers import scaler_from_dict, scaler_json
from tsadlab.data.series import Series
from tsadlab.data.sources.sp500 import load_sp500
from tsadlab.errors import ConfigError, DataError


def config(train_fraction: float = 0.8, **keys: object) -> DataConfig:
    """A data config with these keys (transform and scaler by name)."""
    enums = {"transform": Transform, "scaler": Scaler}
    keys = {k: enums[k](v) if k in enums else v for k, v in keys.items()}
    return DataConfig(train_fraction=train_fraction, **keys)


def make_series(values: np.ndarray) -> Series:
    values = np.asarray(values, dtype=float).reshape(len(values), -1)
    timestamps = pd.date_range("2000-01-01", periods=len(values), freq="D")
    return Series("s", timestamps, values, ("v",) * values.shape[1], None, "mem", "0" * 64)


def test_tutorial_split_sizes():
    prepared = prepare(load_sp500(), config(0.8, transform="none"))
    assert prepared.n_train == 6553
    assert len(prepared.timestamps) - prepared.n_train == 1639


@pytest.mark.parametrize("scaler", ["standard", "minmax", "robust"])
def test_scaler_sees_only_the_training_part(scaler):
    rng = np.random.default_rng(0)
    values = rng.normal(size=200)
    changed = values.copy()
    changed[160:] *= 1000  # a wild test period must not move the training-part scaling
    a = prepare(make_series(values), config(0.8, scaler=scaler))
    b = prepare(make_series(changed), config(0.8, scaler=scaler))
    np.testing.assert_array_equal(a.model_input[:160], b.model_input[:160])
    if scaler == "standard":
        assert a.model_input[:160].mean() == pytest.approx(0, abs=1e-6)
        assert a.model_input[:160].std() == pytest.approx(1, abs=1e-5)


@pytest.mark.parametrize("scaler", ["standard", "minmax", "robust", "none"])
def test_scaler_json_round_trip(scaler):
    values = np.random.default_rng(1).normal(3, 2, size=(100, 2))
    prepared = prepare(make_series(values), config(0.7, scaler=scaler))
    data = json.loads(scaler_json(prepared.scaler))
    rebuilt = scaler_from_dict(data)
    if scaler == "none":
        assert rebuilt is None
        return
    np.testing.assert_allclose(rebuilt.transform(values), prepared.scaler.transform(values))


def test_transforms_hand_computed():
    values = np.array([[1.0], [2.0], [4.0]])
    np.testing.assert_allclose(apply_transform(values, "diff"), [[1.0], [2.0]])
    np.testing.assert_allclose(apply_transform(values, "log_return"), np.log([[2.0], [2.0]]))
    with pytest.raises(DataError, match="log_return needs positive values; .* 0 at data row 2"):
        apply_transform(np.array([[1.0], [0.0]]), "log_return", ("v",))


def test_transform_keeps_raw_values_aligned():
    prepared = prepare(make_series([1.0, 2.0, 3.0, 5.0, 8.0]), config(0.5, transform="log_return"))
    assert prepared.raw[:, 0].tolist() == [2.0, 3.0, 5.0, 8.0]
    assert prepared.timestamps[0] == pd.Timestamp("2000-01-02")
    assert len(prepared.timestamps) == 4


def test_date_split():
    timestamps = pd.date_range("2000-01-01", periods=10, freq="D")
    assert train_size(timestamps, config(test_start="2000-01-04"), None) == 3
    with pytest.raises(ConfigError, match="must fall inside the series"):
        train_size(timestamps, config(test_start="1999-01-01"), None)
    with pytest.raises(ConfigError, match=r"train_fraction=1.5 \(must be in \(0, 1\]\)"):
        train_size(timestamps, config(1.5), None)


def test_constant_series_is_rejected():
    with pytest.raises(DataError, match="column 'v' is constant"):
        prepare(make_series(np.full(50, 7.0)), config())


def test_minmax_range_is_fitted_on_training_part():
    values = np.concatenate([np.linspace(0, 10, 80), np.linspace(50, 60, 20)])
    prepared = prepare(make_series(values), config(0.8, scaler="minmax", scaler_range=(-1, 1)))
    train = prepared.model_input[:80, 0]
    assert train.min() == pytest.approx(-1) and train.max() == pytest.approx(1)
    assert prepared.model_input[80:, 0].min() > 1  # test values outside the range stay outside
    rebuilt = scaler_from_dict(json.loads(scaler_json(prepared.scaler)))
    np.testing.assert_allclose(rebuilt.transform(values[:, None]), prepared.model_input, rtol=1e-6)
    with pytest.raises(ConfigError, match="data.scaler_range"):
        prepare(make_series(values), config(0.8, scaler="minmax", scaler_range=(1, 1)))


def test_a_series_with_its_own_split_keeps_it():
    values = np.random.default_rng(2).normal(size=100)
    series = replace(make_series(values), train_end=60)
    assert prepare(series, config()).n_train == 60  # not int(100 * 0.8)
    # a transform that drops the first row moves the split with the rows
    positive = replace(make_series(np.exp(values / 10)), train_end=60)
    prepared = prepare(positive, config(transform="log_return"))
    assert prepared.n_train == 59 and prepared.timestamps[59] == series.timestamps[60]
    assert prepare(series, config(source_split=False)).n_train == 80
    with pytest.raises(ConfigError, match="test_start=2000-02-01 for a series whose source"):
        prepare(series, config(test_start="2000-02-01"))


def test_a_series_without_times_is_numbered_and_split_by_fraction():
    values = np.random.default_rng(3).normal(size=(50, 2))
    series = Series("n", pd.RangeIndex(50), values, ("a", "b"), None, "mem", "0" * 64)
    prepared = prepare(series, config(0.6))
    assert prepared.n_train == 30 and list(prepared.timestamps[:3]) == [0, 1, 2]
    with pytest.raises(ConfigError, match="for a series without times .* data.train_fraction"):
        prepare(series, config(test_start="2020-01-01"))


def test_resampling_keeps_every_test_row_out_of_the_training_part():
    series = replace(make_series(np.arange(48.0)), train_end=30)  # daily rows, 30 train
    weekly = resample_series(series, "7D")  # days 28-34 share an interval: it is test
    assert weekly.train_end == 4
    assert weekly.values[weekly.train_end - 1, 0] == np.mean(np.arange(21, 28))  # train only
    assert weekly.values[weekly.train_end, 0] == np.mean(np.arange(28, 35))
    # a split on an interval's first row leaves that interval whole in the test part
    assert resample_series(replace(series, train_end=28), "7D").train_end == 4


@pytest.mark.figures
def test_a_csv_without_a_time_column_runs_end_to_end(tmp_path):
    from conftest import TINY, compose_config

    from tsadlab.run import run

    rows = "\n".join(f"{np.sin(i / 5):.4f},{int(i in (330, 331))}" for i in range(400))
    path = tmp_path / "values.csv"
    path.write_text("value,label\n" + rows + "\n")
    overrides = ["data=csv", f"data.path={path}", "data.time_column=null", "data.rows=null"]
    overrides.append("data.label_column=label")
    result = run(compose_config([*TINY, *overrides]), tmp_path / "run")
    assert result.scores["timestamp"].tolist() == list(range(400))
    assert result.metrics["data"]["first"] == "0" and result.metrics["data"]["last"] == "399"
    assert result.metrics["labeled"]["n_labeled_rows"] == 2
    page = (tmp_path / "run" / "figures" / "anomalies.html").read_text()
    assert "1970-01-01" not in page  # row numbers are drawn as numbers, not as epoch times
    # it re-scores as it was scored
    from tsadlab.evaluation.rescore import evaluate_run, run_config

    again = evaluate_run(tmp_path / "run", run_config(tmp_path / "run").threshold)
    assert again.metrics["labeled"] == result.metrics["labeled"]
