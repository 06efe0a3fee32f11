"""A collection's series in worker processes (`workers`): the same files as one after
another, failures and resumes recorded the same way, the worker count chosen by a simple
rule, and stopped or killed workers leaving a run that says so."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import command, compose_config, tiny_nab
from joblib import Parallel, delayed

from tsadlab import artifacts, parallel
from tsadlab.bench.plan import fingerprint
from tsadlab.config import settings_of, to_run_config
from tsadlab.errors import ConfigError
from tsadlab.run import run

# What a series writes that depends only on the config and the data (not on time or paths).
RESULT_FILES = ("scores.csv", "window_errors.csv", "events.csv", "history.csv", "config.yaml")
TIMING_COLUMNS = ("seconds",)
# A detector scores its own windows; its run records scoring.error=mae, so that is named
# here (with the default `point` a finished series' saved config differs from the command's
# and a run again refuses to keep it, with workers=1 as well).
FOREST = ["model=isolation_forest", "model.n_estimators=20", "scoring.error=mae"]


def nab_category(root: Path, names: tuple[str, ...]) -> Path:
    """A NAB layout of one category, `cat`, holding short labeled series `names`."""
    folder = root / "data" / "cat"
    folder.mkdir(parents=True)
    stamps = pd.date_range("2020-01-01", periods=300, freq="5min")
    rng = np.random.default_rng(0)
    for name in names:
        values = np.sin(np.arange(300) / 5) + rng.normal(0, 0.1, 300)
        pd.DataFrame({"timestamp": stamps.strftime("%Y-%m-%d %H:%M:%S"), "value": values}).to_csv(
            folder / f"{name}.csv", index=False
        )
    windows = {
        f"cat/{name}.csv": [["2020-01-01 10:00:00", "2020-01-01 11:00:00"]] for name in names
    }
    (root / "labels").mkdir()
    (root / "labels" / "combined_windows.json").write_text(json.dumps(windows))
    return root


def forest_overrides(root: Path) -> list[str]:
    """A quick category run with a detector (no Keras)."""
    return ["data=nab", f"data.root={root}", "data.category=cat", "data.window=10", *FOREST]


def too_short(path: Path) -> str:
    """Make the series at `path` too short for a window of 10; its readable text."""
    readable = path.read_text()
    path.write_text("timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:05:00,2\n")
    return readable


def series_table(run_dir: Path) -> pd.DataFrame:
    """series.csv without its timing columns."""
    table = pd.read_csv(run_dir / "series.csv")
    return table.drop(columns=[c for c in TIMING_COLUMNS if c in table])


def assert_same_results(first: Path, second: Path) -> None:
    """Every series' result files byte for byte, and series.csv but for its timings."""
    pd.testing.assert_frame_equal(series_table(first), series_table(second), check_exact=True)
    names = sorted(p.name for p in (first / "series").iterdir())
    assert names == sorted(p.name for p in (second / "series").iterdir())
    for name in names:
        for file in RESULT_FILES:
            one, other = first / "series" / name / file, second / "series" / name / file
            if one.exists() or other.exists():
                assert one.read_bytes() == other.read_bytes(), f"{name}/{file} differs"


# ---- the setting and its rule ------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-2", "2.5", "two", "true", "null"])
def test_a_bad_workers_value_is_refused_in_one_line(value):
    with pytest.raises(ConfigError) as refused:
        to_run_config(compose_config([f"workers={value}"]))
    line = str(refused.value)
    assert "\n" not in line
    assert line.startswith("Received: workers=") and "must be auto or a whole number >= 1" in line


def test_the_cli_refuses_a_bad_workers_value_in_one_line(tmp_path):
    done = command("train", "workers=0", f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1] == (
        "error: Received: workers=0 (must be auto or a whole number >= 1: the processes a "
        "collection's series run in; 1 runs them one after another in this process)"
    )


def test_auto_is_the_usable_cores_capped_by_the_series_left(monkeypatch):
    monkeypatch.delenv(parallel.CORES_VARIABLE, raising=False)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 8)
    assert parallel.resolve_workers("auto", 3) == 3
    assert parallel.resolve_workers("auto", 20) == 8
    assert parallel.resolve_workers("auto", 0) == 1  # all finished: nothing to spread
    assert parallel.resolve_workers(4, 2) == 2
    assert parallel.resolve_workers(1, 5) == 1
    assert parallel.usable_cores() == 8
    monkeypatch.undo()
    assert parallel.usable_cores() == len(os.sched_getaffinity(0))


def test_auto_takes_the_share_a_parent_gives(monkeypatch):
    monkeypatch.setattr(parallel, "usable_cores", lambda: 8)
    monkeypatch.setenv(parallel.CORES_VARIABLE, "3")
    assert parallel.resolve_workers("auto", 10) == 3
    monkeypatch.setenv(parallel.CORES_VARIABLE, "none")
    with pytest.raises(ConfigError, match="Received: TSADLAB_CORES='none'"):
        parallel.resolve_workers("auto", 10)


def worker_view() -> tuple[int, str | None]:
    """What a joblib job sees: its auto workers, and the OpenMP threads joblib gave it."""
    return parallel.resolve_workers("auto", 10), os.environ.get("OMP_NUM_THREADS")


def test_a_job_of_a_joblib_launcher_runs_its_series_in_its_own_process(monkeypatch):
    monkeypatch.delenv(parallel.CORES_VARIABLE, raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    views = Parallel(n_jobs=2, backend="loky")(delayed(worker_view)() for _ in range(2))
    share = str(max(1, len(os.sched_getaffinity(0)) // 2))  # joblib's cores // n_jobs
    assert views == [(1, share), (1, share)]


def test_a_job_given_a_share_of_the_cores_sizes_its_shared_pools(monkeypatch):
    for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # set by the user: kept
    monkeypatch.setenv(parallel.CORES_VARIABLE, "3")
    parallel.limit_threads_to_cores_given("jax")
    assert os.environ["OMP_NUM_THREADS"] == os.environ["MKL_NUM_THREADS"] == "3"
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"


def test_workers_share_out_every_pool_but_the_models(monkeypatch):
    assert parallel.threads_per_worker(16, 3) == 5
    assert parallel.threads_per_worker(2, 2) == 1
    assert parallel.threads_per_worker(2, 5) == 1
    jax = parallel.thread_environment(5, "jax")
    assert jax == dict.fromkeys(("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"), "5")
    tensorflow = parallel.thread_environment(5, "tensorflow")
    assert tensorflow == {"OPENBLAS_NUM_THREADS": "5", "TF_NUM_INTEROP_THREADS": "5"}
    assert parallel.thread_environment(5, "torch") == {"OPENBLAS_NUM_THREADS": "5"}
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    with parallel.environment_set({"OMP_NUM_THREADS": "5"}):
        assert os.environ["OMP_NUM_THREADS"] == "5"
    assert "OMP_NUM_THREADS" not in os.environ


def test_workers_is_not_a_setting_of_the_run(nab_root):
    two = to_run_config(compose_config([*tiny_nab(nab_root), "workers=2"]))
    assert two.workers == 2
    assert "workers" not in settings_of(two)
    assert settings_of(two) == settings_of(to_run_config(compose_config(tiny_nab(nab_root))))
    base = {"seed": 0, "workers": "auto"}
    assert fingerprint(["model=kmeans"], ["workers=4"], base) == fingerprint(
        ["model=kmeans"], [], {"seed": 0, "workers": 1}
    )


# ---- runs --------------------------------------------------------------------------------


@pytest.mark.slow  # about 20 s on 2 cores: two workers each start Keras and compile
def test_keras_scores_are_identical_with_one_and_two_workers(tmp_path, nab_root, caplog):
    """conv_ae: its scores change with the size of XLA's thread pool (tsadlab.parallel), so
    this fails if a worker's pool is sized differently from this process'."""
    caplog.set_level("INFO")
    overrides = [*tiny_nab(nab_root)[:4], "model=conv_ae", "trainer.epochs=1", "trainer.verbose=0"]
    run(compose_config([*overrides, "workers=1"]), tmp_path / "one")
    caplog.clear()
    result = run(compose_config([*overrides, "workers=2"]), tmp_path / "two")
    assert_same_results(tmp_path / "one", tmp_path / "two")
    assert result.metrics["n_series"] == 2
    assert artifacts.read_status(tmp_path / "two")["status"] == "finished"
    lines = [record.getMessage() for record in caplog.records]
    assert any(line.startswith("2 worker processes, ") for line in lines)
    assert "series 1 of 2: cat__a" in lines and "series 2 of 2: cat__b" in lines
    assert any(line.startswith("series 1 of 2 done: cat__a (overlap F1") for line in lines)
    assert any(line.startswith("[cat__b] windows:") for line in lines)  # a worker's own line
    copies = list((tmp_path / "two").rglob("plotly.min.js"))
    assert len({c.stat().st_ino for c in copies}) == 1  # stored once, as in one process
    assert not (tmp_path / "two" / ".plotly.min.js").exists()


@pytest.mark.slow  # three workers on a small machine; the failure test below compares too
def test_detector_scores_are_identical_with_one_and_three_workers(tmp_path):
    root = nab_category(tmp_path / "nab", ("a", "b", "c"))
    run(compose_config([*forest_overrides(root), "workers=1"]), tmp_path / "one")
    run(compose_config([*forest_overrides(root), "workers=3"]), tmp_path / "three")
    assert_same_results(tmp_path / "one", tmp_path / "three")


@pytest.mark.slow  # 8 s; a failing series in one process is in tests/test_pipeline_labeled.py
def test_a_series_failing_in_a_worker_is_recorded_as_in_one_process(tmp_path):
    root = nab_category(tmp_path / "nab", ("a", "b"))
    too_short(root / "data" / "cat" / "b.csv")
    errors = {}
    for workers in (1, 2):
        with pytest.raises(Exception, match="1 of 2 series failed: cat__b") as failed:
            run(
                compose_config([*forest_overrides(root), f"workers={workers}"]),
                tmp_path / str(workers),
            )
        errors[workers] = str(failed.value)
        run_dir = tmp_path / str(workers)
        assert artifacts.read_status(run_dir)["status"] == "failed"
        assert artifacts.read_status(run_dir / "series" / "cat__a")["status"] == "finished"
        assert artifacts.read_status(run_dir / "series" / "cat__b")["status"] == "failed"
    assert errors[1] == errors[2]
    assert_same_results(tmp_path / "1", tmp_path / "2")  # the failed row's error included
    assert (
        artifacts.read_status(tmp_path / "1" / "series" / "cat__b")["error"]
        == artifacts.read_status(tmp_path / "2" / "series" / "cat__b")["error"]
    )


def test_a_run_again_in_workers_keeps_its_finished_series(tmp_path, caplog, monkeypatch):
    monkeypatch.setenv(parallel.CORES_VARIABLE, "2")  # auto: 2 workers for the 2 series left
    root = nab_category(tmp_path / "nab", ("a", "b", "c"))
    readable = {name: too_short(root / "data" / "cat" / f"{name}.csv") for name in ("b", "c")}
    with pytest.raises(Exception, match="2 of 3 series failed"):
        run(compose_config([*forest_overrides(root), "workers=1"]), tmp_path / "run")
    kept = tmp_path / "run" / "series" / "cat__a"
    status, written = artifacts.read_status(kept), (kept / "metrics.json").stat().st_mtime_ns
    for name, text in readable.items():
        (root / "data" / "cat" / f"{name}.csv").write_text(text)
    caplog.set_level("INFO")
    run(compose_config([*forest_overrides(root), "workers=auto"]), tmp_path / "run")
    lines = [record.getMessage() for record in caplog.records]
    assert any(line.startswith("2 worker processes") for line in lines)  # b and c left
    assert any("finished earlier with these settings: kept" in line for line in lines)
    assert artifacts.read_status(kept) == status
    assert (kept / "metrics.json").stat().st_mtime_ns == written
    assert (pd.read_csv(tmp_path / "run" / "series.csv")["status"] == "finished").all()


# ---- stopping ----------------------------------------------------------------------------

# A category whose series train for minutes, so that a signal finds every worker training.
LONG_CATEGORY = [
    "data=synthetic_suite",
    "data.anomalies=[spike,flatline]",
    "data.length=2000",
    "data.window=10",
    "trainer.epochs=10000",
    "trainer.patience=10000",
    "workers=2",
]


def start_long_category(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """`tsadlab-train` on LONG_CATEGORY in its own process group, once both series have
    trained two epochs."""
    run_dir, resume_dir = tmp_path / "run", tmp_path / "resume"
    places = [f"trainer.resume_dir={resume_dir}", f"hydra.run.dir={run_dir}"]
    process = subprocess.Popen(
        [sys.executable, "-m", "tsadlab.cli.train", *LONG_CATEGORY, *places],
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": "jax"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a terminal's Ctrl-C reaches the whole group
    )
    deadline = time.monotonic() + 240
    while min(saved_epochs(resume_dir), default=0) < 2 or len(saved_epochs(resume_dir)) < 2:
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "the series never trained two epochs"
        time.sleep(0.2)
    return process, run_dir


def saved_epochs(resume_dir: Path) -> list[int]:
    epochs = []
    for state in resume_dir.glob("*/state.json"):
        try:
            epochs.append(json.loads(state.read_text())["epoch"])
        except (OSError, ValueError):
            epochs.append(0)
    return epochs


def worker_pids(process: subprocess.Popen) -> list[int]:
    """The run's worker processes (not multiprocessing's resource tracker)."""
    found = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True)
    pids = [int(pid) for pid in found.stdout.split()]
    return [
        pid for pid in pids if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def gone(pids: list[int], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_ctrl_c_stops_every_worker_and_marks_every_series_interrupted(tmp_path):
    process, run_dir = start_long_category(tmp_path)
    workers = worker_pids(process)
    assert len(workers) == 2
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
    try:
        process.wait(timeout=25)
    finally:
        process.kill()
    assert process.returncode == 130, process.stderr.read()
    assert artifacts.read_status(run_dir)["error"] == "interrupted"
    for series_dir in (run_dir / "series").iterdir():
        assert artifacts.run_state(series_dir) == "interrupted"
        assert artifacts.read_status(series_dir)["error"] == "interrupted"
    assert gone(workers), "a worker outlived the run"


@pytest.mark.slow
def test_a_killed_worker_fails_the_run_in_one_line(tmp_path):
    process, run_dir = start_long_category(tmp_path)
    workers = worker_pids(process)
    os.kill(workers[0], signal.SIGKILL)
    try:
        process.wait(timeout=60)
    finally:
        process.kill()
    err = process.stderr.read().strip().splitlines()
    assert process.returncode == 1
    assert err[-1].startswith("error: the worker process running series synthetic_suite_")
    assert "died (killed by SIGKILL" in err[-1]
    assert artifacts.run_state(run_dir) == "failed"
    states = sorted(artifacts.run_state(d) for d in (run_dir / "series").iterdir())
    assert states == ["failed", "interrupted"]  # the killed one; the one stopped for it
    assert gone(workers), "a worker outlived the run"
