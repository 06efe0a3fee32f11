"""The search space: YAML specs checked against the config schema, declared as hyperparameters."""

import keras_tuner
import pytest
from conftest import compose_config

from tsadlab.config import settings_of as settings
from tsadlab.errors import ConfigError
from tsadlab.tuning.search import project_name
from tsadlab.tuning.space import apply_values, parse_space


@pytest.fixture(scope="module")
def cfg():
    return compose_config()


SPACE = {
    "model.encoder_units": {"type": "choice", "values": [[64], [128, 64]]},
    "model.decoder_units": {"same_as": "model.encoder_units", "reverse": True},
    "model.dropout": {"type": "float", "min": 0.0, "max": 0.4, "step": 0.2},
    "model.learning_rate": {"type": "float", "min": 1e-4, "max": 1e-2, "sampling": "log"},
    "data.window": {"type": "int", "min": 10, "max": 30, "step": 10},
    "data.transform": {"type": "choice", "values": ["none", "log_return"]},
}


def test_space_declares_hyperparameters_named_by_config_keys(cfg):
    space = parse_space(SPACE, cfg)
    hp = keras_tuner.HyperParameters()
    values = space.declare(hp)
    assert set(hp.values) == set(SPACE) - {"model.decoder_units"}
    # a list choice travels as JSON text and comes back as a list; the tie mirrors it
    hp.values["model.encoder_units"] = "[128, 64]"
    values = space.values_from(hp.values)
    assert values["model.encoder_units"] == [128, 64]
    assert values["model.decoder_units"] == [64, 128]
    s = apply_values(settings(cfg), values)
    assert s["model"]["encoder_units"] == [128, 64]
    assert s["data"]["window"] == values["data.window"]
    assert settings(cfg)["model"]["encoder_units"] == [128]  # the base settings are untouched


def test_nested_keys_mean_dotted_ones(cfg):
    nested = parse_space({"model": {"dropout": SPACE["model.dropout"]}}, cfg)
    assert nested == parse_space({"model.dropout": SPACE["model.dropout"]}, cfg)


def test_per_layer_ints_give_one_hyperparameter_per_layer(cfg):
    space = parse_space(
        {"model.encoder_units": {"type": "int", "min": 8, "max": 64, "layers": 2}}, cfg
    )
    hp = keras_tuner.HyperParameters()
    space.declare(hp)
    assert set(hp.values) == {"model.encoder_units[0]", "model.encoder_units[1]"}
    hp.values.update({"model.encoder_units[0]": 48, "model.encoder_units[1]": 16})
    assert space.values_from(hp.values) == {"model.encoder_units": [48, 16]}


BAD_SPACES = {
    "unknown key": (
        {"model.droput": {"type": "float", "min": 0, "max": 1}},
        "did you mean 'model.dropout'",
    ),
    "group not searchable": (
        {"hydra.run": {"type": "bool"}},
        "must be a config key of data, model",
    ),
    "unknown type": ({"model.dropout": {"type": "uniform", "min": 0, "max": 1}}, "type=uniform"),
    "empty range": ({"model.dropout": {"type": "float", "min": 0.5, "max": 0.1}}, "min < max"),
    "log from zero": (
        {"model.learning_rate": {"type": "float", "min": 0, "max": 1, "sampling": "log"}},
        "needs min > 0",
    ),
    "value the schema rejects": (
        {"data.transform": {"type": "choice", "values": ["none", "logret"]}},
        "value 'logret' is not valid",
    ),
    "int for a float-only key": (
        {"data.window": {"type": "float", "min": 10.5, "max": 20}},
        "value 10.5 is not valid",
    ),
    "tie to nothing": ({"model.decoder_units": {"same_as": "model.encoder_units"}}, "same_as"),
    "not a mapping": ({"model.dropout": [0.1, 0.2]}, "must be a mapping"),
    "empty": ({}, "search.space is empty"),
    "same key nested and dotted": (
        {"model.dropout": {"type": "bool"}, "model": {"dropout": {"type": "bool"}}},
        "'model.dropout' twice",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SPACES))
def test_bad_space_is_one_clear_error(cfg, case):
    space, message = BAD_SPACES[case]
    with pytest.raises(ConfigError, match=message) as info:
        parse_space(space, cfg)
    assert "\n" not in str(info.value)


def test_project_name_follows_space_and_config_but_not_budget():
    s = settings(compose_config(config_name="tune"))
    base = project_name(s)
    assert base.startswith("sp500_lstm_ae-")
    more = {**s, "search": {**s["search"], "max_trials": 100, "retrain_best": True}}
    assert project_name(more) == base
    wider = {**s, "search": {**s["search"], "space": {**s["search"]["space"], "x": 1}}}
    assert project_name(wider) != base
    other_data = {**s, "data": {**s["data"], "rows": 4000}}
    assert project_name(other_data) != base
