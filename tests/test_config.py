"""The config: every accepted key acts or is refused, saved configs load back typed, and the
registries refuse a name taken twice."""

from dataclasses import dataclass

import pytest
from conftest import TINY, compose_config

from tsadlab.cli import common as cli
from tsadlab.config import settings_of, to_run_config
from tsadlab.data import csv_series
from tsadlab.data.config import DuplicatePolicy, MissingPolicy, OrderPolicy
from tsadlab.data.sources import load_dataset
from tsadlab.errors import ConfigError
from tsadlab.registry import Kind, Registry


def test_a_key_a_source_does_not_honour_is_refused_naming_the_valid_ones():
    problem = cli.precheck_overrides(["data=synthetic", "data.rows=100"], "config")
    assert problem.startswith("unknown config key 'data.rows'; valid keys of data: source, name")
    assert "length" in problem  # what would set the size of a synthetic series


def test_the_sp500_source_honours_the_file_keys(monkeypatch):
    seen = {}

    def reading(*args, **kwargs):
        seen.update(kwargs)
        return read(*args, **kwargs)

    read = csv_series.load_csv
    monkeypatch.setattr("tsadlab.data.sources.sp500.load_csv", reading)
    cfg = to_run_config(
        compose_config(["data.missing=drop", "data.duplicates=last", "data.order=sort"])
    )
    load_dataset(cfg.data)
    assert seen["missing"] is MissingPolicy.drop
    assert seen["duplicates"] is DuplicatePolicy.last
    assert seen["order"] is OrderPolicy.sort
    assert seen["rows"] == 8192


def test_a_saved_config_loads_back_into_the_same_typed_config():
    composed = compose_config([*TINY, "threshold=pot", "threshold.q=0.01", "model=gru_ae"])
    typed = to_run_config(composed)
    again = to_run_config(settings_of(composed))  # as config.yaml holds it
    assert again == typed
    assert type(again.threshold).__name__ == "PotThresholdConfig" and again.threshold.q == 0.01


def test_a_saved_config_with_a_key_of_nothing_is_one_line():
    settings = settings_of(compose_config(TINY))
    settings["model"]["units"] = 3
    with pytest.raises(ConfigError, match="invalid config at model.units: Key 'units' not in"):
        to_run_config(settings)


def test_a_name_registered_twice_by_different_code_is_refused():
    @dataclass(frozen=True)
    class Thing:
        name: str
        origin: str

    registry = Registry(Kind("thing", "thing.name", None, "tsadlab.metrics"))
    registry.add(Thing("a", "mine:a"))
    registry.add(Thing("a", "mine:a"))  # the same code again (a module imported twice) is fine
    with pytest.raises(ConfigError, match="two things are registered as 'a': mine:a and other:a"):
        registry.add(Thing("a", "other:a"))


def test_a_saved_config_without_its_choice_is_one_line():
    settings = settings_of(compose_config(TINY))
    del settings["model"]["name"]
    with pytest.raises(ConfigError, match="model.name is missing"):
        to_run_config(settings)
