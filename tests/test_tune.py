"""`tsadlab-tune`: a search runs, records every trial, exports its best configuration, survives
failed trials, resumes after being killed, and splits its trials among distributed workers."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import keras_tuner
import numpy as np
import pandas as pd
import pytest
from conftest import TINY, compose_config

from tsadlab.cli.common import user_config_dir
from tsadlab.cli.report import main as report_main
from tsadlab.cli.tune import tune
from tsadlab.config import settings_of as settings
from tsadlab.config import to_run_config
from tsadlab.tuning.hypermodel import PipelineHyperModel, choose_objective, validation_labels
from tsadlab.tuning.space import parse_space

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


@pytest.fixture
def search_name(request):
    """A search name of this test's own; its exported experiment file is removed afterwards."""
    name = re.sub(r"\W", "_", f"pytest_{request.node.name}")
    yield name
    (user_config_dir() / "experiment" / f"{name}_best.yaml").unlink(missing_ok=True)


def tiny_search(name: str, directory: Path, *extra: str) -> list[str]:
    return [*TINY, "search=quick", f"search.name={name}", f"search.directory={directory}", *extra]


def test_search_records_trials_and_its_best_experiment_retrains_to_the_same_loss(
    tmp_path, search_name
):
    cfg = compose_config(
        tiny_search(search_name, tmp_path, "search.max_trials=3", "search.retrain_best=true"),
        "tune",
    )
    result = tune(cfg, {"data": "sp500", "model": "lstm_ae", "threshold": "quantile"})

    trials = pd.read_csv(result.project_dir / "trials.csv")
    assert list(trials["status"]) == ["COMPLETED"] * 3
    for column in ("model.dropout", "model.learning_rate", "data.window", "objective", "seconds"):
        assert trials[column].notna().all(), column
    assert (result.project_dir / "figures" / "objective_by_trial.png").stat().st_size > 0
    assert (result.project_dir / "figures" / "parallel_coordinates.html").exists()
    best = trials.loc[trials["objective"].idxmin()]
    assert result.best_trial == str(best["trial"])

    # `tsadlab-train experiment=<name>_best` composes the best trial's config ...
    assert result.experiment_file == user_config_dir() / "experiment" / f"{search_name}_best.yaml"
    retrain = compose_config([f"experiment={search_name}_best"])
    assert retrain.name == f"{search_name}_best"
    assert retrain.model.dropout == pytest.approx(best["model.dropout"])
    assert retrain.data.window == best["data.window"]
    assert retrain.model.encoder_units == [4]  # the unsearched settings of the search
    # ... and retrain_best=true trained it again, to the trial's validation loss
    (retrain_dir,) = (result.project_dir / "retrain").iterdir()
    metrics = json.loads((retrain_dir / "metrics.json").read_text())
    assert metrics["experiment"] == f"{search_name}_best"
    assert metrics["training"]["best_monitor"] == pytest.approx(best["objective"], rel=1e-5)

    # tsadlab-report reads the search folder: each trial a run, the retrained one too
    report_main([str(result.project_dir), "--out", str(tmp_path / "report")])
    runs = pd.read_csv(tmp_path / "report" / "runs.csv")
    assert list(runs["state"]) == ["finished"] * 4
    is_trial = runs["run_dir"].str.contains("trial_")
    trial_runs, retrained = runs[is_trial], runs[~is_trial].iloc[0]
    assert trial_runs["config.model.dropout"].tolist() == pytest.approx(
        trials["model.dropout"].tolist()
    )
    assert trial_runs["metrics.objective"].tolist() == trials["objective"].tolist()
    assert retrained["metrics.training.best_monitor"] == pytest.approx(best["objective"], 1e-5)


@pytest.mark.slow
def test_the_same_search_seed_draws_the_same_trials(tmp_path, search_name):
    drawn = []
    for folder in ("a", "b"):
        cfg = compose_config(
            tiny_search(search_name, tmp_path / folder, "search.max_trials=2", "trainer.epochs=1"),
            "tune",
        )
        trials = tune(cfg).trials
        drawn.append(trials[["model.dropout", "model.learning_rate", "data.window"]])
    pd.testing.assert_frame_equal(drawn[0], drawn[1])


def test_each_execution_of_a_trial_gets_its_own_seed():
    cfg = compose_config(TINY, "tune")
    hypermodel = PipelineHyperModel(settings(cfg), parse_space(cfg.search.space, cfg), "val_loss")
    hp = keras_tuner.HyperParameters()
    hypermodel.declare_hyperparameters(hp)

    def first_weights() -> np.ndarray:
        return hypermodel.build(hp).get_weights()[0]

    hypermodel.start_trial()
    execution_1, execution_2 = first_weights(), first_weights()
    hypermodel.start_trial()
    assert not np.array_equal(execution_1, execution_2)
    assert np.array_equal(first_weights(), execution_1)


def test_a_failing_trial_is_recorded_and_the_search_goes_on(tmp_path, search_name):
    # data.window=500 does not fit in the 400-row series: that trial fails, the other runs.
    # A space of two points and a budget of two trials makes the random search try both.
    cfg = compose_config(tiny_search(search_name, tmp_path, "search.max_trials=2"), "tune")
    cfg.search.space = {"data.window": {"type": "choice", "values": [10, 500]}}
    trials = tune(cfg).trials
    failed = trials[trials["status"] == "FAILED"]
    assert len(failed) and (trials["status"] == "COMPLETED").any()
    assert (failed["data.window"] == 500).all()
    assert failed["error"].str.contains("fewer than one window span").all()


@pytest.mark.slow  # 10 s each; the random search's test covers the search machinery
@pytest.mark.parametrize(
    ("tuner", "budget"),
    [("bayesian", "search.max_trials=2"), ("hyperband", "search.max_epochs=2")],
)
def test_bayesian_and_hyperband_tuners_run(tmp_path, search_name, tuner, budget):
    cfg = compose_config(
        tiny_search(search_name, tmp_path, f"search.tuner={tuner}", budget), "tune"
    )
    trials = tune(cfg).trials
    assert len(trials) >= 2 and (trials["status"] == "COMPLETED").all()
    if tuner == "hyperband":
        assert set(trials["tuner/epochs"]) <= {1, 2}


def labeled_csv(path: Path, test_labels: int) -> Path:
    """A noisy sine with labeled bursts in the validation part and, if asked, the test part."""
    n = 600
    rng = np.random.default_rng(0)
    values = np.sin(np.arange(n) / 6) + rng.normal(0, 0.05, n)
    labels = np.zeros(n, dtype=int)
    values[440:450] += 3.0
    labels[440:450] = 1
    labels[540:550] = test_labels  # rows 480.. are the test part
    stamps = pd.date_range("2021-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M:%S")
    pd.DataFrame({"timestamp": stamps, "value": values, "label": labels}).to_csv(path, index=False)
    return path


def test_detection_objective_reads_validation_labels_and_never_the_test_part(tmp_path):
    results = []
    for test_labels in (0, 1):
        path = labeled_csv(tmp_path / f"series{test_labels}.csv", test_labels)
        cfg = compose_config(
            [
                *TINY,
                "data=csv",
                f"data.path={path}",
                "data.label_column=label",
                "data.rows=null",
                "search=quick",
            ],
            "tune",
        )
        s = settings(cfg)
        space = parse_space(cfg.search.space, cfg)
        hypermodel = PipelineHyperModel(s, space, "val_event_f1")
        run_cfg = to_run_config(hypermodel.settings)
        labeled = validation_labels(hypermodel, run_cfg)
        assert choose_objective(run_cfg, "auto", labeled) == "val_event_f1"
        hp = keras_tuner.HyperParameters()
        space.declare(hp)
        results.append(hypermodel.fit(hp, hypermodel.build(hp), epochs=2))
    assert {"val_event_f1", "val_pr_auc", "val_vus_pr", "val_loss"} <= set(results[0])
    assert results[0] == results[1]


def test_without_labels_the_objective_is_the_validation_loss():
    cfg = compose_config(TINY, "tune")
    hypermodel = PipelineHyperModel(settings(cfg), parse_space(cfg.search.space, cfg), "auto")
    run_cfg = to_run_config(hypermodel.settings)
    assert choose_objective(run_cfg, "auto", validation_labels(hypermodel, run_cfg)) == "val_loss"


def tune_process(args: list[str], **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tsadlab.cli.tune", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**ENV, **env},
    )


def finished_trials(directory: Path) -> dict[str, dict]:
    """trial id -> trial.json of every completed trial under a search directory."""
    done = {}
    for path in directory.glob("*/trial_*/trial.json"):
        try:
            trial = json.loads(path.read_text())
        except (json.JSONDecodeError, OSError):  # being written right now
            continue
        if trial["status"] == "COMPLETED":
            done[trial["trial_id"]] = trial
    return done


def progress_trial_ids(stdout: str) -> list[str]:
    return [line.split()[1] for line in stdout.splitlines() if line.startswith("trial ")]


@pytest.mark.slow
def test_a_killed_search_resumes_without_losing_or_repeating_a_trial(tmp_path, search_name):
    args = tiny_search(search_name, tmp_path, "search.max_trials=5", "trainer.epochs=3")
    first = tune_process(args)
    deadline = time.monotonic() + 240
    while len(finished_trials(tmp_path)) < 2 and first.poll() is None:
        assert time.monotonic() < deadline, "the first run finished no trial in time"
        time.sleep(0.2)
    # KerasTuner writes its state right after a trial ends (not atomically): kill in the middle
    # of the next trial's training instead, as an interruption usually lands.
    time.sleep(1.0)
    first.send_signal(signal.SIGKILL)
    first.communicate()
    before = finished_trials(tmp_path)
    assert 2 <= len(before) < 5

    second = subprocess.run(
        [sys.executable, "-m", "tsadlab.cli.tune", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )
    assert second.returncode == 0, second.stderr
    rerun = progress_trial_ids(second.stdout)
    assert not set(rerun) & set(before), "a finished trial ran again"
    after = finished_trials(tmp_path)
    assert sorted(after) == sorted({*before, *rerun}) and len(after) == 5
    for trial_id, trial in before.items():
        assert after[trial_id]["score"] == trial["score"]
    trials = pd.read_csv(next(tmp_path.glob("*/trials.csv")))
    assert len(trials) == 5 and (trials["status"] == "COMPLETED").all()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_chief_and_two_workers_run_every_trial_exactly_once(tmp_path, search_name):
    args = tiny_search(search_name, tmp_path, "search.max_trials=6")
    oracle = {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": str(free_port())}
    processes = {
        role: tune_process(args, KERASTUNER_TUNER_ID=role, **oracle)
        for role in ("chief", "worker1", "worker2")
    }
    outputs = {}
    try:
        for role, process in processes.items():
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, f"{role}: {err}"
            outputs[role] = out
    finally:
        for process in processes.values():
            process.kill()

    ran = {role: progress_trial_ids(outputs[role]) for role in ("worker1", "worker2")}
    assert ran["worker1"] and ran["worker2"], "both workers should get trials"
    assert not set(ran["worker1"]) & set(ran["worker2"])
    assert sorted(ran["worker1"] + ran["worker2"]) == [str(i) for i in range(6)]
    assert progress_trial_ids(outputs["chief"]) == []  # the chief only runs the oracle
    trials = pd.read_csv(next(tmp_path.glob("*/trials.csv")), dtype={"trial": str})
    assert (trials["status"] == "COMPLETED").all() and len(trials) == 6
    by_worker = trials.groupby("worker")["trial"].apply(sorted).to_dict()
    assert by_worker == {role: sorted(ids) for role, ids in ran.items()}
    assert (user_config_dir() / "experiment" / f"{search_name}_best.yaml").exists()


def test_cli_bad_space_key_is_one_line(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tsadlab.cli.tune",
            *TINY,
            f"search.directory={tmp_path}",
            "+search.space.model.droput={type: float, min: 0, max: 1}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=ENV,
    )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "did you mean 'model.dropout'" in errors[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not any(tmp_path.iterdir())
