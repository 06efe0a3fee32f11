"""backend=auto: the benchmark's ranking for the hardware and the model family, among the
installed backends; the environment's KERAS_BACKEND and a Keras already running outrank it."""

import json
import sys

import pytest

from tsadlab import backend_choice
from tsadlab.backend_choice import choose_backend
from tsadlab.cli.common import compose_config
from tsadlab.config import settings_of, to_run_config
from tsadlab.errors import ConfigError

TABLE = {
    "cpu": {"recurrent": {"ranking": ["not_a_backend", "jax", "tensorflow"], "measured": "a test"}},
    "gpu": {"recurrent": {"ranking": ["tensorflow", "jax"], "measured": "a test"}},
}


@pytest.fixture
def fresh_process(monkeypatch):
    """As in a new process: no Keras imported, no KERAS_BACKEND set."""
    monkeypatch.delitem(sys.modules, "keras", raising=False)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)


def test_auto_takes_the_fastest_installed_backend_for_the_hardware(fresh_process, monkeypatch):
    monkeypatch.setattr(backend_choice, "hardware", lambda: "cpu")
    chosen = choose_backend("lstm_ae", TABLE)
    assert chosen.backend == "jax"  # the table's first is not installed
    assert "recurrent models on cpu" in chosen.reason and "a test" in chosen.reason
    monkeypatch.setattr(backend_choice, "hardware", lambda: "gpu")
    assert choose_backend("aer", TABLE).backend == "tensorflow"
    # a family the benchmark did not measure keeps the default order
    other = choose_backend("dense_ae", TABLE)
    assert other.backend == "jax" and "no gpu measurement" in other.reason


def test_nothing_installed_from_the_ranking_is_one_line(fresh_process, monkeypatch):
    monkeypatch.setattr(backend_choice, "hardware", lambda: "cpu")
    table = {"cpu": {"recurrent": {"ranking": ["not_a_backend"], "measured": "a test"}}}
    with pytest.raises(ConfigError, match="none of not_a_backend is installed"):
        choose_backend("lstm_ae", table)


def test_the_environment_and_a_running_keras_outrank_the_table(fresh_process, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    assert choose_backend("lstm_ae", TABLE).backend == "tensorflow"
    monkeypatch.setenv("KERAS_BACKEND", "mxnet")
    with pytest.raises(ConfigError, match="KERAS_BACKEND=mxnet"):
        choose_backend("lstm_ae", TABLE)
    monkeypatch.undo()  # the session's Keras and environment back
    keras = pytest.importorskip("keras")
    assert choose_backend("lstm_ae", TABLE).backend == keras.config.backend()


def test_a_run_config_saves_the_backend_auto_chose(fresh_process, monkeypatch):
    monkeypatch.setattr(backend_choice, "speed_table", lambda path=None: TABLE)
    monkeypatch.setattr(backend_choice, "hardware", lambda: "cpu")
    cfg = to_run_config(compose_config([]))  # auto is the default
    assert cfg.backend.value == "jax"
    assert cfg.backend_choice.as_dict()["requested"] == "auto"
    assert settings_of(cfg)["backend"] == "jax"  # a rerun runs on what this run ran on
    named = to_run_config(compose_config(["backend=tensorflow"]))
    assert named.backend.value == "tensorflow" and not hasattr(named, "backend_choice")


def test_a_run_records_in_metrics_what_auto_chose(tmp_path):
    from conftest import TINY

    from tsadlab.run import run

    result = run(compose_config(TINY), tmp_path / "run")  # backend=auto: the default
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert saved["backend_choice"]["requested"] == "auto"
    assert saved["backend_choice"]["backend"] == saved["backend"] == result.metrics["backend"]
