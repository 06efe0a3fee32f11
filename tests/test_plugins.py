"""A model and a metric added from a file in tests/ (`plugins/toy_components.py`) through the
public registration API alone: the CLI runs the model, metrics.json, series tables and
reports carry the metric, and the contract tests check both without being edited.

Everything runs in new processes, as a user's would, so that the toy components never
enter this test session's registries."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tsadlab import artifacts

TESTS = Path(__file__).resolve().parent
TOY = TESTS / "plugins" / "toy_components.py"
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TSADLAB_PLUGINS": str(TOY)}
TINY_SYNTHETIC = [
    "data=synthetic",
    "data.length=800",
    "data.n_anomalies=3",
    "data.anomaly_length=20",
    "data.window=10",
    "trainer.epochs=2",
    "trainer.verbose=0",
]


def tsadlab(command: str, *args: str, env: dict = ENV) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", f"tsadlab.cli.{command}", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.mark.slow  # the in-process plugin tests cover the same components; this is the CLI path
def test_a_plugin_model_and_metric_run_from_the_cli(tmp_path):
    run_dir = tmp_path / "run"
    done = tsadlab(
        "train", *TINY_SYNTHETIC, "model=toy_ae", "model.units=3", f"hydra.run.dir={run_dir}"
    )
    assert done.returncode == 0, done.stderr
    assert artifacts.run_state(run_dir) == "finished"
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["plugins"] == [str(TOY)]  # a rerun needs them too
    assert (run_dir / "model.keras").exists() and metrics["sizes"]["parameters"] > 0
    scores = pd.read_csv(run_dir / "scores.csv")
    flagged = scores.loc[scores["split"] == "test", "is_anomaly"].mean()
    assert metrics["labeled"]["flagged_share"] == flagged  # the toy metric, computed
    assert "model.units=3" in (run_dir / ".hydra" / "overrides.yaml").read_text()

    # a report (in a process that loads the plugin) shows the new metric as a headline column
    report = tsadlab("report", str(run_dir), "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr
    assert "share of rows flagged" in (tmp_path / "report" / "summary.md").read_text()

    # without the plugin, the choice does not exist: one line that names the real ones
    plain = {k: v for k, v in ENV.items() if k != "TSADLAB_PLUGINS"}
    refused = tsadlab("train", "model=toy_ae", f"hydra.run.dir={tmp_path / 'x'}", env=plain)
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: unknown choice model=toy_ae; available: conv_ae")


def test_the_contract_tests_find_and_check_the_plugin_components():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(TESTS / "test_contracts.py"),
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "toy_ae or flagged_share",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
        cwd=TESTS.parent,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    # one model contract, and one metric contract per edge case
    assert "7 passed" in done.stdout, done.stdout[-2000:]


def test_a_plugin_that_cannot_be_imported_is_one_line(tmp_path):
    missing = tmp_path / "nope.py"
    done = tsadlab("train", env={**ENV, "TSADLAB_PLUGINS": str(missing)})
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"error: plugin file {missing} named in TSADLAB_PLUGINS does not exist"
    )
