"""What every registered component must do, checked for each one found in its registry
(built in, or a plugin named in TSADLAB_PLUGINS), as scikit-learn's `parametrize_with_checks`
checks every estimator: a new component is tested the moment it registers, and no list here
names one.

- a model builds, trains one epoch on tiny data, and its saved model loads in safe mode
  (a detector: fits, scores, and keeps scikit-learn's estimator contract); a univariate one
  refuses several channels in one line; whether it scores windows itself is as declared;
- a metric survives the edge cases, reads only what it declares (flags, or scores when it is
  threshold-free), and declares its direction;
- a threshold strategy keeps scikit-learn's estimator contract;
- a data source loads valid `Series` and refuses a malformed input in one line;
- a scoring error is zero for a perfect reconstruction and has the declared shape;
- every packaged YAML file composes into its schema and names a registered component.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import compose_config
from omegaconf import OmegaConf
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
)

from tsadlab import artifacts
from tsadlab.cli.common import CONFIG_DIR, register_all
from tsadlab.config import GROUPS, to_run_config
from tsadlab.data.sources import DATA_SOURCES, load_dataset
from tsadlab.data.windows import Target, sliding_windows
from tsadlab.errors import ConfigError, DataError, TsadlabError
from tsadlab.metrics import METRICS, LabeledRows
from tsadlab.models import MODELS, WindowDetector, build_model, load_keras_model, uses_seed
from tsadlab.runtime import load_keras
from tsadlab.scoring import SCORING_ERRORS
from tsadlab.scoring.predict import row_stack, scores_itself
from tsadlab.thresholds import THRESHOLDS, threshold_params
from tsadlab.tuning.config import TuneConfig

register_all()  # built-in components and any plugins named in TSADLAB_PLUGINS
keras = load_keras("jax")
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("name", MODELS.names())
def test_model_contract(tmp_path, name):
    spec = MODELS.get(name)
    channels = spec.channels or 3  # a univariate method refuses 3 channels in one line
    if spec.channels is not None:
        with pytest.raises(ConfigError, match="channels") as refused:
            build_model(spec.schema(), window=13, n_features=spec.channels + 2, seed=0)
        assert "\n" not in str(refused.value)
    model = build_model(spec.schema(), window=13, n_features=channels, seed=0)  # 13: no round size
    assert scores_itself(model) == spec.scores_itself  # the registry's declaration holds
    x = RNG.normal(size=(16, 13, channels)).astype("float32")
    if not spec.keras:
        assert isinstance(model, WindowDetector)
        assert clone(model).get_params() == model.get_params()
        assert not [k for k in vars(model) if k.endswith("_")]  # nothing learned yet
        scores = model.fit(x).score_windows(x)
        assert scores.shape == (16,) and np.isfinite(scores).all()
        if not uses_seed(spec.schema()):  # a benchmark runs it once, for every seed
            other = build_model(spec.schema(), window=13, n_features=channels, seed=1)
            np.testing.assert_array_equal(other.fit(x).score_windows(x), scores)
        return
    # a forecaster's fit target is the row after each window (its stand-in: the last row)
    forecasts = spec.schema().target is Target.next
    y = x[:, -1, :] if forecasts else x
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    predicted = model.predict(x, verbose=0)
    assert predicted.shape == y.shape  # reconstructs (or forecasts) every channel
    np.testing.assert_array_equal(predicted, model.predict(x, verbose=0))  # scores are stable
    artifacts.save_keras_model(tmp_path / "model.keras", model)
    loaded = load_keras_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), predicted, rtol=1e-5, atol=1e-6)


def edge_cases(n: int = 40) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(labels, flags, scores) of the cases a metric must survive."""
    scores = RNG.random(n)
    ends = np.zeros(n, dtype=bool)
    ends[[0, 1, n - 1]] = True
    middle = np.zeros(n, dtype=bool)
    middle[10:15] = True
    unscored = scores.copy()
    unscored[:5] = np.nan
    return {
        "no anomalies": (np.zeros(n, bool), scores > 0.5, scores),
        "nothing flagged": (middle, np.zeros(n, bool), scores),
        "all flagged": (middle, np.ones(n, bool), scores),
        "anomalies at both ends": (ends, ends, scores),
        "every row an anomaly": (np.ones(n, bool), scores > 0.5, scores),
        "unscored rows": (middle, middle, unscored),
    }


@pytest.mark.parametrize("name", METRICS.names())
@pytest.mark.parametrize("case", list(edge_cases()))
def test_metric_contract(name, case):
    metric = METRICS.get(name)
    labels, flags, scores = edge_cases()[case]
    value = metric.compute(LabeledRows(labels, flags, scores, buffer=4))
    for column, number in metric.values(value).items():
        assert number is None or np.isfinite(number), (column, number)
    for column in metric.columns:
        assert column.direction in ("max", "min", None)
    # it reads what it declares: a threshold-free metric not the flags, the others not the
    # scores (so an oracle threshold cannot leak into a threshold-free number)
    if metric.threshold_free:
        other = LabeledRows(labels, ~flags, scores, buffer=4)
    else:
        other = LabeledRows(labels, flags, RNG.permutation(scores), buffer=4)
    assert metric.compute(other) == value
    assert isinstance(metric.inflated, bool)


@pytest.mark.parametrize("name", THRESHOLDS.names())
def test_threshold_contract(name):
    strategy = THRESHOLDS.get(name)
    # scikit-learn's own checks of the estimator API
    check_parameters_default_constructible(name, strategy())
    check_no_attributes_set_in_init(name, strategy())
    # the config schema is made from the class: same keys, same defaults
    assert threshold_params(strategy.schema()) == strategy().get_params()
    instance = strategy()
    assert clone(instance).get_params() == instance.get_params()
    with pytest.raises(ConfigError, match="fitted"):
        instance.predict(np.ones(3))
    train = np.append(np.abs(RNG.normal(size=3000)), np.nan)
    labels = (np.nan_to_num(train) > 2.5).astype(int) if strategy.oracle else None
    assert instance.fit(train, labels) is instance
    assert np.isfinite(instance.threshold_)
    test = np.concatenate([train[:500], [np.nan, 1e6], train[500:1000]])
    flags, thresholds = instance.flag(test)
    assert flags.dtype == bool and flags.shape == thresholds.shape == test.shape
    assert not flags[500] and flags[501]  # NaN is never flagged; an extreme score always is
    np.testing.assert_array_equal(instance.predict(test), flags)
    np.testing.assert_array_equal(instance.row_thresholds(test), thresholds)
    if not strategy.oracle:
        with pytest.raises(DataError, match="no finite scores"):
            clone(instance).fit(np.array([np.nan, np.inf]))


@pytest.mark.parametrize("name", DATA_SOURCES.names())
def test_data_source_contract(tmp_path, name):
    source = DATA_SOURCES.get(name)
    examples = source.examples(tmp_path)
    assert isinstance(examples.valid, source.schema)
    dataset = load_dataset(examples.valid)
    assert len(dataset) >= 1
    for member in dataset.names:
        series = dataset.load(member)
        n = len(series)
        assert series.name == member and n > 0
        assert series.values.shape == (n, len(series.columns)) and series.values.dtype == float
        assert np.isfinite(series.values).all()
        if isinstance(series.timestamps, pd.DatetimeIndex):
            assert series.timestamps.is_monotonic_increasing and series.timestamps.is_unique
        else:  # numbered rows
            assert list(series.timestamps) == list(range(n))
        if series.labels is not None:
            assert series.labels.shape == (n,) and set(np.unique(series.labels)) <= {0, 1}
        assert series.train_end is None or 0 < series.train_end <= n
        assert len(series.sha256) == 64
    with pytest.raises(TsadlabError) as refused:
        malformed = load_dataset(examples.malformed)
        for member in malformed.names:
            malformed.load(member)
    assert str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize("name", SCORING_ERRORS.names())
def test_scoring_error_contract(name):
    error = SCORING_ERRORS.get(name)
    values = RNG.normal(size=(10, 2))
    x = sliding_windows(values, 5)  # (6, 5, 2), stride 1
    noisy = x + RNG.normal(scale=0.1, size=x.shape)
    if error.per_row:
        perfect = error.compute(values, row_stack(np.arange(6), x, 1, 0, len(values)))
        off = error.compute(values, row_stack(np.arange(6), noisy, 1, 0, len(values)))
        assert perfect.shape == off.shape == (len(values),)
    else:
        perfect, off = error.compute(x, x), error.compute(x, noisy)
        assert perfect.shape == off.shape == (6,)
    np.testing.assert_allclose(perfect, 0.0, atol=1e-12)
    # an imperfect reconstruction never scores below a perfect one, and somewhere above it
    # (an error min-max scaled over the part, such as AER's sum, is 0 at its smallest row)
    assert (off >= 0).all() and off.max() > 0


def packaged_yaml(group: str) -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


def filled(cfg) -> None:
    """Give every mandatory value (a NAB root, a CSV path) a placeholder."""
    for key in OmegaConf.missing_keys(cfg):
        OmegaConf.update(cfg, key, "placeholder")


@pytest.mark.parametrize(
    ("group", "name"),
    [(g, n) for g in (*GROUPS, "experiment") for n in packaged_yaml(g)],
)
def test_every_packaged_yaml_fits_its_schema_and_names_a_registered_component(group, name):
    cfg = compose_config([f"{group}={name}"])
    filled(cfg)
    run = to_run_config(cfg)  # unknown keys and bad values fail here
    for each, (registry, key) in GROUPS.items():
        chosen = getattr(run, each)
        assert isinstance(chosen, registry.get(getattr(chosen, key)).schema), each
    if group in GROUPS:  # a preset: never shadows a registered component's own node
        assert name not in GROUPS[group][0].names()


@pytest.mark.parametrize("name", packaged_yaml("search"))
def test_every_packaged_search_fits_its_schema(name):
    cfg = compose_config([f"search={name}"], "tune")
    tune = to_run_config(cfg, TuneConfig)
    assert tune.search.name == name


def test_the_readme_lists_every_registered_component():
    from tsadlab.cli.components import components_table

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert components_table() in readme, "run `python -m tsadlab.cli.components` into README"
