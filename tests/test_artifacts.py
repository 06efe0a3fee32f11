"""Names from config that become file or folder names cannot leave their folder."""

import pytest
from conftest import compose_config, threshold_config

from tsadlab.artifacts import safe_name
from tsadlab.cli.tune import tune
from tsadlab.errors import ConfigError
from tsadlab.evaluation.rescore import evaluate_run


@pytest.mark.parametrize("name", ["pot-q0.01-mean", "sp500_lstm_ae", "run+1", "a=b", "v1.2"])
def test_plain_names_pass(name):
    assert safe_name(name, "name") == name


@pytest.mark.parametrize(
    "name", ["../x", "a/b", "/etc/passwd", "..", ".hidden", "", "a..b", "a\\b", "x y"]
)
def test_names_that_could_escape_are_one_clear_error(name):
    with pytest.raises(ConfigError, match=r"must be a plain name") as info:
        safe_name(name, "search.name")
    assert "\n" not in str(info.value)


def test_evaluation_name_cannot_escape_the_run(tmp_path):
    with pytest.raises(ConfigError, match="Received: name='../../outside'"):
        evaluate_run(tmp_path / "run", threshold_config("quantile"), name="../../outside")
    assert not any(tmp_path.iterdir())


def test_search_name_cannot_escape_the_experiment_folder(tmp_path):
    cfg = compose_config(
        ["search=quick", "search.name=../../escape", f"search.directory={tmp_path}"], "tune"
    )
    with pytest.raises(ConfigError, match="Received: search.name='../../escape'"):
        tune(cfg)
    assert not any(tmp_path.iterdir())
