"""`tsadlab-train` as a user runs it: overrides, sweeps, and one clear line for bad input."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import TINY, compose_config, train_cli

from tsadlab import artifacts
from tsadlab.cli import common
from tsadlab.errors import TsadlabError


@pytest.mark.slow  # 18 s: Hydra's joblib launcher end to end, four processes
def test_joblib_sweep_runs_jobs_in_parallel_and_a_failed_job_does_not_stop_it(tmp_path):
    # data.window=500 cannot fit the 400-row series: that job fails, the other two finish
    done = train_cli(
        "-m",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        *TINY,
        "data.window=8,10,500",
        f"hydra.sweep.dir={tmp_path}",
    )
    assert done.returncode == 0, done.stderr
    status = {job: artifacts.read_status(tmp_path / job) for job in ("0", "1", "2")}
    assert [status[j]["status"] for j in ("0", "1", "2")] == ["finished", "finished", "failed"]
    first, second = status["0"], status["1"]
    assert first["pid"] != second["pid"] != os.getpid()
    # both jobs were running at the same time
    assert first["started"] < second["time"] and second["started"] < first["time"]
    jobs = pd.read_csv(tmp_path / "jobs.csv")
    assert list(jobs["status"]) == ["finished", "finished", "failed"]
    assert "fewer than one window span" in jobs.loc[2, "error"]
    assert jobs.loc[:1, "best_monitor"].notna().all()
    assert "data.window=500" in jobs.loc[2, "overrides"]
    # each job wrote its own results into its own directory
    windows = [json.loads((tmp_path / j / "metrics.json").read_text()) for j in ("0", "1")]
    assert [m["sizes"]["window"] for m in windows] == [8, 10]


@pytest.mark.slow
def test_submitit_local_launcher_runs_the_same_sweep(tmp_path):
    done = train_cli(
        "-m", "hydra/launcher=submitit_local", *TINY, "seed=0,1", f"hydra.sweep.dir={tmp_path}"
    )
    assert done.returncode == 0, done.stderr
    for job in ("0", "1"):
        assert artifacts.read_status(tmp_path / job)["status"] == "finished"
    assert len(pd.read_csv(tmp_path / "jobs.csv")) == 2


def test_slurm_launcher_config_composes():
    done = train_cli("hydra/launcher=slurm", "--cfg", "hydra", "--package", "hydra.launcher")
    assert done.returncode == 0, done.stderr
    assert "SlurmLauncher" in done.stdout and "array_parallelism: 64" in done.stdout


@pytest.mark.slow  # a whole CLI run in a new process: 10 s
def test_cli_run_with_overrides_and_a_csv_path_relative_to_where_it_runs(tmp_path):
    rows = "\n".join(f"2020-01-{d:02d},{(d * 7) % 11 + d}" for d in range(1, 31))
    (tmp_path / "mine.csv").write_text("timestamp,value\n" + rows + "\n")
    run_dir = tmp_path / "out"
    done = train_cli(
        *TINY,
        "data=csv",
        "data.path=mine.csv",
        "data.rows=null",
        "data.window=4",
        "model.dropout=0.1",
        "threshold=quantile",
        "threshold.q=0.95",
        "seed=3",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert artifacts.read_status(run_dir)["status"] == "finished"
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["data"]["rows"] == 30 and metrics["seed"] == 3
    assert metrics["threshold"]["params"] == {"q": 0.95}
    assert "model.dropout=0.1" in (run_dir / ".hydra" / "overrides.yaml").read_text()


CSV_CASES = {
    "missing file": (None, [], "data file not found"),
    "misspelled column": (
        "timestamp,value\n2020-01-01,1\n",
        ["data.value_columns=[valeu]"],
        "column 'valeu' not found",
    ),
    "non-numeric": ("timestamp,value\n2020-01-01,1\n2020-01-02,abc\n", [], "non-numeric"),
    "nan": ("timestamp,value\n2020-01-01,1\n2020-01-02,\n", [], "missing or infinite"),
    "unsorted": ("timestamp,value\n2020-01-02,1\n2020-01-01,2\n", [], "not in increasing"),
    "duplicate": ("timestamp,value\n2020-01-01,1\n2020-01-01,2\n", [], "duplicate timestamp"),
    "too short": (
        "timestamp,value\n" + "".join(f"2020-01-{d:02d},{d % 3}\n" for d in range(1, 21)),
        [],
        "test part: 4 rows are fewer than one window span of 10",
    ),
    "constant": (
        "timestamp,value\n" + "".join(f"2020-01-{d:02d},5\n" for d in range(1, 29)),
        [],
        "is constant",
    ),
}


def bad_data_run(tmp_path: Path, case: str) -> tuple[list[str], str, Path]:
    text, extra, message = CSV_CASES[case]
    path = tmp_path / "data.csv"
    if text is not None:
        path.write_text(text)
    run_dir = tmp_path / "run"
    overrides = [*TINY, "data=csv", f"data.path={path}", "data.rows=null", *extra]
    return [*overrides, f"hydra.run.dir={run_dir}"], message, run_dir


@pytest.mark.parametrize("case", ["non-numeric", "too short"])
def test_bad_data_gives_one_line_and_no_finished_run(tmp_path, case):
    args, message, run_dir = bad_data_run(tmp_path, case)
    done = train_cli(*args)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], done.stderr
    assert artifacts.read_status(run_dir)["status"] == "failed"
    assert not (run_dir / "metrics.json").exists()


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_every_kind_of_bad_data_fails_the_run_in_one_line(tmp_path, case):
    """The same, in this process (the command's own line is the test above)."""
    from tsadlab.cli.train import train

    args, message, run_dir = bad_data_run(tmp_path, case)
    with pytest.raises(TsadlabError) as raised:
        train(compose_config(args[:-1]), run_dir)
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert artifacts.read_status(run_dir)["status"] == "failed"
    assert not (run_dir / "metrics.json").exists()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "model.encoder_unit=[4]",
            "error: unknown config key 'model.encoder_unit'; valid keys "
            "of model: name, target, loss, optimizer, learning_rate, encoder_units",
        ),
        ("model.encoder_unit=[4]", "did you mean 'encoder_units'?"),
        (
            "data=nope",
            "error: unknown choice data=nope; available: csv, csv_folder, nab, nasa, sp500, "
            "sp500_full, synthetic, synthetic_suite, tsb_ad, ucr, yahoo",
        ),
        ("data.transform=sqrt", "error: invalid value for data.transform: Invalid value 'sqrt'"),
        ("trainer.epochs=many", "Value 'many' of type 'str' could not be converted to Integer"),
    ],
)
def test_bad_config_is_refused_before_any_run(tmp_path, override, message):
    problem = common.precheck_overrides([override, f"hydra.run.dir={tmp_path / 'run'}"], "config")
    assert f"error: {problem}".startswith(message) or message in problem
    assert "\n" not in problem


def test_bad_config_is_one_line_from_the_command_and_creates_nothing(tmp_path):
    run_dir = tmp_path / "run"
    done = train_cli("model.encoder_unit=[4]", f"hydra.run.dir={run_dir}")
    assert done.returncode == 1
    assert done.stderr.startswith("error: unknown config key 'model.encoder_unit'")
    assert len(done.stderr.strip().splitlines()) == 1 and not run_dir.exists()


def test_config_errors_in_a_sweep_are_still_reported_by_hydra(tmp_path):
    done = train_cli("-m", "model.encoder_unit=[4]", f"hydra.sweep.dir={tmp_path / 's'}")
    assert done.returncode != 0
    assert "encoder_unit" in done.stderr and "Traceback" not in done.stderr


def test_bad_value_in_range_check(tmp_path):
    done = train_cli(*TINY, "data.window=1", f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode == 1
    assert "error: Received: data.window=1 (must be >= 2)" in done.stderr


@pytest.mark.slow  # 10 s: a two-job sweep in a subprocess
def test_a_sweep_of_a_baseline_then_a_keras_model_runs_both_on_jax(tmp_path):
    """A detector imports no Keras; it used to import it on TensorFlow (Keras' own default),
    which failed every later Keras job of the sweep."""
    done = train_cli(
        "-m", "model=rolling_zscore,dense_ae", *TINY[2:], "trainer.epochs=1",
        f"hydra.sweep.dir={tmp_path}",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for job in ("0", "1"):
        assert artifacts.read_status(tmp_path / job)["status"] == "finished", job
        assert json.loads((tmp_path / job / "metrics.json").read_text())["backend"] == "jax"
    assert "tensorflow" not in done.stderr.lower()  # no TensorFlow start-up noise either


@pytest.mark.slow  # 12 s: a pip install into a fresh folder
def test_a_non_editable_install_runs_from_any_folder(tmp_path):
    """`pip install <clone>` (not -e) copies the package, its default configs and the bundled
    data; the command then works from a folder that is not the clone."""
    repository = Path(__file__).resolve().parents[1]
    clone = tmp_path / "clone"  # a copy: building writes build/ beside the sources
    shutil.copytree(repository / "src", clone / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(repository / name, clone / name)
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target)]
    install = subprocess.run(
        [*pip, str(clone)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import sys, tsadlab; from tsadlab.cli.train import main; "
        f"assert tsadlab.__file__.startswith({str(target)!r}), tsadlab.__file__; "
        "sys.argv = ['tsadlab-train', *sys.argv[1:]]; main()"
    )
    env = {**os.environ, "PYTHONPATH": str(target), "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [sys.executable, "-c", script, *TINY, "trainer.epochs=1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=elsewhere,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (run_dir,) = (elsewhere / "outputs" / "default").iterdir()
    assert artifacts.run_state(run_dir) == "finished"
