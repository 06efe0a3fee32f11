"""Faults outside the user's data: a full disk, an output folder that cannot be written, a
read-only data folder, KerasTuner's state files, and configs that would run foreign code."""

import errno
import hashlib
import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest
from conftest import TINY, compose_config, train_cli

from tsadlab import artifacts
from tsadlab.cli import common as cli
from tsadlab.run import run


def disk_full_after_start(monkeypatch, also_status: bool) -> None:
    """Every artifact write fails with ENOSPC once the run has started (status.json too,
    when `also_status`)."""
    write = artifacts.write_atomic

    def full(path, writer):
        if path.name == artifacts.STATUS_FILE and not also_status:
            return write(path, writer)
        if path.name == artifacts.STATUS_FILE and not path.exists():
            return write(path, writer)  # the run could start
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(artifacts, "write_atomic", full)


@pytest.mark.parametrize("also_status", [False, True], ids=["artifacts", "status_too"])
def test_a_full_disk_fails_the_run_with_the_first_write_that_failed(
    tmp_path, monkeypatch, also_status
):
    disk_full_after_start(monkeypatch, also_status)
    with pytest.raises(OSError) as raised:
        run(compose_config(TINY), tmp_path / "run")
    assert raised.value.errno == errno.ENOSPC
    assert Path(raised.value.filename).name == "epoch_00001.weights.h5"  # the first write
    status = artifacts.read_status(tmp_path / "run")["status"]
    assert status == ("running" if also_status else "failed")
    assert artifacts.run_state(tmp_path / "run") != "finished"
    assert not (tmp_path / "run" / "metrics.json").exists()
    line = cli.error_line(raised.value)
    assert line.startswith("no space left on the device while writing ")
    assert "hydra.run.dir=" in line and "\n" not in line


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.EACCES, "cannot write /x/y: Permission denied; choose another folder"),
        (errno.EROFS, "cannot write /x/y: Read-only file system; choose another folder"),
        (errno.EIO, "/x/y: Input/output error"),
    ],
)
def test_os_errors_become_one_line(code, expected):
    assert cli.error_line(OSError(code, os.strerror(code), "/x/y")).startswith(expected)


def test_run_dir_under_a_file_is_one_line_and_creates_nothing(tmp_path):
    (tmp_path / "afile").write_text("mine\n")
    done = train_cli(*TINY, f"hydra.run.dir={tmp_path / 'afile' / 'run'}")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: cannot create run directory {tmp_path / 'afile' / 'run'}: "
        f"{tmp_path / 'afile'} is a file; choose another folder with hydra.run.dir=... "
        "(sweeps: hydra.sweep.dir=...)"
    ]
    assert (tmp_path / "afile").read_text() == "mine\n"


def test_unwritable_or_full_output_folder_is_refused_before_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(cli.os, "access", lambda path, mode: False)
    assert "is not writable" in cli.output_dir_problem(tmp_path / "run")
    monkeypatch.undo()
    usage = cli.shutil.disk_usage(tmp_path)._replace(free=10 * 2**20)
    monkeypatch.setattr(cli.shutil, "disk_usage", lambda path: usage)
    assert cli.output_dir_problem(tmp_path / "run").startswith("only 10.0 MB free on the disk")
    monkeypatch.undo()
    assert cli.output_dir_problem(tmp_path / "a" / "b") is None


def test_a_read_only_data_folder_is_read_and_left_as_it_was(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    stamps = pd.date_range("2020-01-01", periods=400, freq="h").strftime("%Y-%m-%d %H:%M")
    rows = "\n".join(f"{t},{(i * 7) % 13}" for i, t in enumerate(stamps))
    csv = data / "mine.csv"
    csv.write_text("timestamp,value\n" + rows + "\n")
    csv.chmod(stat.S_IRUSR | stat.S_IRGRP)
    data.chmod(stat.S_IRUSR | stat.S_IXUSR)
    before = hashlib.sha256(csv.read_bytes()).hexdigest(), csv.stat().st_mtime_ns
    try:
        run(compose_config([*TINY, "data=csv", f"data.path={csv}"]), tmp_path / "run")
        assert sorted(p.name for p in data.iterdir()) == ["mine.csv"]
        assert (hashlib.sha256(csv.read_bytes()).hexdigest(), csv.stat().st_mtime_ns) == before
    finally:
        data.chmod(stat.S_IRWXU)
    assert artifacts.run_state(tmp_path / "run") == "finished"


@pytest.mark.parametrize(
    "override",
    [
        "+hydra.callbacks.mine._target_=os.system",
        "+model._target_=builtins.exec",
        "+data.reader._target_=subprocess.run",
    ],
)
def test_config_cannot_instantiate_foreign_code(tmp_path, override):
    for argv in ([override], ["-m", "seed=0,1", override]):
        problem = cli.precheck_overrides(
            [*argv, f"hydra.run.dir={tmp_path}/run", f"hydra.sweep.dir={tmp_path}/sweep"],
            "config",
        )
        assert problem.startswith(f"Received: {override.lstrip('+').split('=')[0]}=")
        assert "may only instantiate classes of tsadlab, hydra, hydra_plugins" in problem
    assert cli.precheck_overrides(["hydra/launcher=joblib"], "config") is None


def test_config_target_refused_on_the_command_line_before_anything_runs(tmp_path):
    done = train_cli("+hydra.callbacks.mine._target_=os.system", f"hydra.run.dir={tmp_path}/r")
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error: Received: hydra.callbacks.mine._target_=")
    assert not (tmp_path / "r").exists()


def test_kerastuner_state_files_are_replaced_whole_during_a_search_only(tmp_path):
    from keras_tuner import HyperParameters
    from keras_tuner.engine.trial import Trial

    from tsadlab.private_apis import atomic_keras_tuner_files

    path = tmp_path / "trial.json"
    with atomic_keras_tuner_files(artifacts.write_text):
        Trial(hyperparameters=HyperParameters(), trial_id="00").save(str(path))
        first = path.stat().st_ino
        Trial(hyperparameters=HyperParameters(), trial_id="01").save(str(path))
        assert path.stat().st_ino != first  # renamed into place, not rewritten in place
    assert json.loads(path.read_text())["trial_id"] == "01"
    assert [p.name for p in tmp_path.iterdir()] == ["trial.json"]
    # outside a search KerasTuner's own function is back: rewritten in place
    before = path.stat().st_ino
    Trial(hyperparameters=HyperParameters(), trial_id="02").save(str(path))
    assert path.stat().st_ino == before
