"""Experiment tracking against a real MLflow tracking server (started here on 127.0.0.1 with
an SQLite backend) and MLflow's embedded store: sweeps, failures, a server that dies
mid-run, the upload after the fact, resumed runs; and the logger config itself."""

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import keras
import pytest
from conftest import TINY, command, compose_config, threshold_config

from tsadlab import artifacts
from tsadlab.bench.plan import fingerprint
from tsadlab.cli.report import main as report_main
from tsadlab.config import settings_of, to_run_config
from tsadlab.errors import ConfigError
from tsadlab.evaluation.rescore import evaluate_run
from tsadlab.run import run
from tsadlab.tracking.config import tracking_uri, without_credentials
from tsadlab.tracking.context import swept_keys
from tsadlab.tracking.evaluation import log_evaluation
from tsadlab.tracking.record import config_params, numeric_metrics
from tsadlab.training import fit as fitting
from tsadlab.tuning.search import project_name

mlflow = pytest.importorskip("mlflow")
MLFLOW_CLI = Path(sys.executable).with_name("mlflow")


@pytest.fixture(autouse=True)
def _offline_mlflow(monkeypatch):
    """No usage reports from MLflow, no tracking URI from the environment, and no retries
    of a request to a dead server (tsadlab's default waits a few seconds for it)."""
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    """An MLflow SQLite database with its tables made, copied by each test: MLflow's
    migrations take about 8 s per new database."""
    path = tmp_path_factory.mktemp("store") / "mlflow.db"
    mlflow.MlflowClient(f"sqlite:///{path}").search_experiments()
    return path


def store_copy(empty_store: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(empty_store, folder / "mlflow.db"))


class Server:
    """`mlflow server` on 127.0.0.1 with an SQLite backend, in its own process group."""

    def __init__(self, database: Path, folder: Path) -> None:
        self.database, self.folder = database, folder
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.uri = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Server":
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen(
            [
                str(MLFLOW_CLI),
                "server",
                "--backend-store-uri",
                f"sqlite:///{self.database}",
                "--artifacts-destination",
                str(self.folder / "artifacts"),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # the server's job runner starts seven more processes that no test needs
            env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.uri}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError((self.folder / "server.log").read_text()[-2000:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # the server and its workers
            self.process.wait()
        self.process = None


@pytest.fixture
def server(empty_store, tmp_path):
    started = Server(store_copy(empty_store, tmp_path / "server"), tmp_path / "server").start()
    yield started
    started.stop()


def runs_of(uri: str, experiment: str):
    """Every run of the experiment, as mlflow.search_runs returns them (a DataFrame)."""
    mlflow.set_tracking_uri(uri)
    try:
        return mlflow.search_runs(experiment_names=[experiment])
    finally:
        mlflow.set_tracking_uri(None)


def steps(uri: str, run_id: str, key: str) -> list[int]:
    return [m.step for m in mlflow.MlflowClient(uri).get_metric_history(run_id, key)]


def tiny(tmp_path: Path, *extra: str) -> list[str]:
    return [*TINY, f"trainer.resume_dir={tmp_path / 'resume'}", *extra]


@pytest.mark.slow  # 22 s with its server; the embedded store's test logs in the default run
def test_a_sweep_on_a_server_is_a_parent_run_with_a_run_per_job_failed_one_included(
    tmp_path, server
):
    # data.window=500 cannot fit the 400-row series: that job fails, the other two finish
    sweep = tmp_path / "sweep"
    done = command(
        "train",
        "-m",
        *tiny(tmp_path, "data.window=8,10,500"),
        "logger=mlflow",
        f"logger.mlflow.tracking_uri={server.uri}",
        f"hydra.sweep.dir={sweep}",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    runs = runs_of(server.uri, "default")
    assert len(runs) == 4
    parent = runs[runs["tags.mlflow.runName"] == "sweep"].iloc[0]
    assert parent["status"] == "FAILED"  # one of its jobs failed
    assert parent["metrics.jobs_finished"] == 2
    jobs = runs[runs["tags.mlflow.parentRunId"] == parent["run_id"]].set_index("params.data.window")
    assert sorted(jobs.index) == ["10", "500", "8"]
    assert list(jobs.loc[["8", "10", "500"], "status"]) == ["FINISHED", "FINISHED", "FAILED"]
    assert list(jobs.loc[["8", "10"], "tags.mlflow.runName"]) == ["data.window=8", "data.window=10"]
    assert "fewer than one window span" in jobs.loc["500", "tags.tsadlab.error"]
    for job, window in (("0", "8"), ("1", "10")):
        metrics = json.loads((sweep / job / "metrics.json").read_text())
        logged = jobs.loc[window]
        assert logged["params.model.encoder_units"] == "[4]" and logged["params.seed"] == "0"
        assert logged["metrics.training.best_monitor"] == pytest.approx(
            metrics["training"]["best_monitor"]
        )
        assert logged["metrics.anomalies.rows.test"] == metrics["anomalies"]["rows"]["test"]
        assert logged["tags.data.sha256"] == metrics["data"]["sha256"]
        assert logged["tags.backend"] == "jax" and logged["tags.version.keras"] == keras.__version__
        assert steps(server.uri, logged["run_id"], "loss") == [1, 2]
        record = json.loads((sweep / job / "mlflow_run.json").read_text())
        assert record["run_id"] == logged["run_id"] and record["tracking_uri"] == server.uri
    files = mlflow.MlflowClient(server.uri).list_artifacts(jobs.loc["8", "run_id"], "figures")
    assert "figures/loss_curve.png" in [f.path for f in files]


@pytest.mark.slow  # a server started and killed: 10 s
def test_a_server_killed_mid_run_leaves_the_run_finished_and_one_warning_then_upload(
    tmp_path, server, monkeypatch, caplog
):
    fit = fitting.fit_keras

    class KillServer(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:  # after the first epoch was logged
                server.stop()

    def fit_with_a_dying_server(*args, **kwargs):
        kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), KillServer()]
        return fit(*args, **kwargs)

    monkeypatch.setattr(fitting, "fit_keras", fit_with_a_dying_server)
    run_dir = tmp_path / "run"
    cfg = compose_config(
        tiny(
            tmp_path,
            "trainer.epochs=3",
            "logger=mlflow",
            f"logger.mlflow.tracking_uri={server.uri}",
        )
    )
    with caplog.at_level(logging.INFO):
        result = run(cfg, run_dir)
    assert artifacts.read_status(run_dir)["status"] == "finished"
    assert result.metrics["training"]["epochs_run"] == 3
    for name in ("metrics.json", "scores.csv", "history.csv", "figures/loss_curve.png"):
        assert (run_dir / name).exists(), name
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    line = warnings[0].getMessage()
    assert "\n" not in line and f"tsadlab-report --to-mlflow {run_dir}" in line
    assert "logging epoch 2" in line

    server.start()  # back up, on the same database: the upload completes the same run
    report_main(["--to-mlflow", str(run_dir)])
    logged = runs_of(server.uri, "default").iloc[0]
    assert logged["run_id"] == json.loads((run_dir / "mlflow_run.json").read_text())["run_id"]
    assert logged["status"] == "FINISHED"
    assert logged["metrics.training.epochs_run"] == 3
    assert steps(server.uri, logged["run_id"], "loss") == [1, 2, 3]  # none twice


@pytest.mark.figures  # they are logged as artifacts
def test_the_embedded_default_needs_no_server_and_takes_re_evaluations(
    tmp_path, empty_store, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # the default store is outputs/mlflow.db where it runs
    store_copy(empty_store, tmp_path / "outputs")
    run_dir = tmp_path / "run"
    run(compose_config(tiny(tmp_path, "logger=mlflow")), run_dir)
    uri = f"sqlite:///{tmp_path / 'outputs' / 'mlflow.db'}"
    logged = runs_of(uri, "default")
    assert logged["status"].tolist() == ["FINISHED"]
    run_id = logged["run_id"].iloc[0]
    assert json.loads((run_dir / "mlflow_run.json").read_text())["run_id"] == run_id
    assert (tmp_path / "outputs" / "mlartifacts").is_dir()  # beside the database, not ./mlruns
    files = [f.path for f in mlflow.MlflowClient(uri).list_artifacts(run_id)]
    assert {"metrics.json", "history.csv", "config.yaml", "figures"} <= set(files)

    evaluation = evaluate_run(run_dir, threshold_config("mad"))
    log_evaluation(run_dir, evaluation.out_dir)
    metrics = mlflow.MlflowClient(uri).get_run(run_id).data.metrics
    assert metrics["evaluations/mad-end/threshold.value"] == pytest.approx(
        evaluation.metrics["threshold"]["value"]
    )


@pytest.mark.slow
def test_a_resumed_run_continues_its_mlflow_run(tmp_path, empty_store, monkeypatch):
    uri = f"sqlite:///{store_copy(empty_store, tmp_path / 'store')}"
    overrides = tiny(
        tmp_path, "trainer.epochs=3", "logger=mlflow", f"logger.mlflow.tracking_uri={uri}"
    )

    class StopAfterSecondEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    fit = fitting.fit_keras
    with monkeypatch.context() as patch:
        patch.setattr(
            fitting,
            "fit_keras",
            lambda *a, **k: fit(
                *a, **{**k, "callbacks": [*k["callbacks"], StopAfterSecondEpoch()]}
            ),
        )
        with pytest.raises(KeyboardInterrupt):
            run(compose_config(overrides), tmp_path / "cut")
    assert runs_of(uri, "default")["status"].tolist() == ["KILLED"]
    run(compose_config(overrides), tmp_path / "resumed")
    logged = runs_of(uri, "default")
    assert logged["status"].tolist() == ["FINISHED"]  # the same run, not a second one
    records = [
        json.loads((tmp_path / d / "mlflow_run.json").read_text()) for d in ("cut", "resumed")
    ]
    assert records[0]["run_id"] == records[1]["run_id"] == logged["run_id"].iloc[0]
    # epoch 2 ran twice (its state was not saved before the interruption): logged once
    assert steps(uri, records[0]["run_id"], "loss") == [1, 2, 3]


def test_importing_tsadlab_and_running_without_a_logger_does_not_import_mlflow():
    script = (
        "import sys\n"
        "import tsadlab.cli.train, tsadlab.cli.tune, tsadlab.cli.bench, tsadlab.cli.evaluate\n"
        "import tsadlab.cli.report, tsadlab.cli.rerun\n"
        "from tsadlab.cli.common import compose_config\n"
        "from tsadlab.config import to_run_config\n"
        "from tsadlab.tracking.tracker import RunTracker\n"
        "assert not RunTracker.for_run(to_run_config(compose_config([])), '.').loggers\n"
        "assert 'mlflow' not in sys.modules, 'mlflow imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_logger_config_is_a_list_of_trackers_with_credentials_kept_out():
    both = to_run_config(compose_config(["logger=[mlflow,tensorboard]"]))
    assert both.logger.mlflow is not None and both.logger.tensorboard is not None
    assert to_run_config(compose_config([])).logger.mlflow is None
    with pytest.raises(ConfigError, match="MLFLOW_TRACKING_USERNAME"):
        to_run_config(
            compose_config(["logger=mlflow", "logger.mlflow.tracking_uri=http://me:pw@host:5000"])
        )


def test_what_a_run_logs_leaves_out_the_trackers_and_flags():
    params = config_params(settings_of(compose_config(["logger=mlflow", "seed=3"])))
    assert params["seed"] == "3" and params["model.encoder_units"] == "[128]"
    assert not any(key.startswith("logger") for key in params)
    numbers = numeric_metrics({"a": {"b": 1, "flag": True, "none": None, "text": "x"}, "c": 2.5})
    assert numbers == {"a.b": 1.0, "c": 2.5}
    assert swept_keys(["seed=0,1", "model.encoder_units=[64,32]", "data.window=8"]) == ["seed"]


def test_choosing_a_logger_changes_neither_a_benchmark_job_nor_a_search():
    base = settings_of(compose_config([]))
    logged = settings_of(compose_config(["logger=mlflow"]))
    assert fingerprint([], [], base) == fingerprint([], ["logger=mlflow"], logged)
    search = ["search=quick", "search.name=x"]
    assert project_name(settings_of(compose_config(search, "tune"))) == project_name(
        settings_of(compose_config([*search, "logger=mlflow"], "tune"))
    )


def test_the_store_defaults_to_outputs_beside_the_runs_and_records_no_credentials(monkeypatch):
    monkeypatch.chdir("/tmp")
    assert tracking_uri(None) == "sqlite:////tmp/outputs/mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://me:secret@host:5000")
    assert tracking_uri(None) == "http://me:secret@host:5000"  # MLflow's own variable
    assert without_credentials(tracking_uri(None)) == "http://host:5000"
    assert tracking_uri("sqlite:///db/x.db") == "sqlite:////tmp/db/x.db"


@pytest.mark.slow
def test_tensorboard_logs_hparams_and_the_old_trainer_key_still_turns_it_on(tmp_path, caplog):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    with caplog.at_level(logging.WARNING):
        run(compose_config(tiny(tmp_path, "trainer.tensorboard=true")), tmp_path / "run")
    assert any("logger=tensorboard" in r.getMessage() for r in caplog.records)
    events = EventAccumulator(str(tmp_path / "run" / "tensorboard"))
    events.Reload()
    assert "_hparams_/session_start_info" in events.PluginTagToContent("hparams")
    assert "training.best_monitor" in events.Tags()["tensors"]
    assert (tmp_path / "run" / "tensorboard" / "train").is_dir()  # Keras' loss curves


@pytest.mark.slow
def test_a_search_is_a_parent_run_with_each_trial_nested_with_its_values_and_objective(
    tmp_path, empty_store
):
    from tsadlab.cli.common import user_config_dir
    from tsadlab.cli.tune import tune

    uri = f"sqlite:///{store_copy(empty_store, tmp_path / 'store')}"
    name = "pytest_tracked_search"
    overrides = [*TINY, "search=quick", f"search.name={name}", "search.max_trials=2"]
    overrides += [f"search.directory={tmp_path}", "logger=mlflow"]
    try:
        result = tune(compose_config([*overrides, f"logger.mlflow.tracking_uri={uri}"], "tune"))
    finally:
        (user_config_dir() / "experiment" / f"{name}_best.yaml").unlink(missing_ok=True)
    logged = runs_of(uri, "default")
    parent = logged[logged["tags.mlflow.parentRunId"].isna()].iloc[0]
    assert parent["status"] == "FINISHED" and parent["tags.best_trial"] == result.best_trial
    trials = logged[logged["tags.mlflow.parentRunId"] == parent["run_id"]]
    assert sorted(trials["tags.mlflow.runName"]) == ["trial 0", "trial 1"]
    assert set(trials["status"]) == {"FINISHED"}
    table = result.trials.set_index("trial")
    for _, trial in trials.iterrows():
        row = table.loc[trial["tags.trial"]]
        assert trial["metrics.objective"] == pytest.approx(row["objective"])
        assert trial["params.data.window"] == str(row["data.window"])
