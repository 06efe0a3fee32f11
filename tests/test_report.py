"""`tsadlab-report`: every run of a folder in one table, and the ones that did not finish
listed as failed, interrupted or incomplete."""

import json
import os

import pandas as pd
import pytest
from conftest import TINY, compose_config

from tsadlab import artifacts
from tsadlab.pipeline import run
from tsadlab.report import find_runs, main, run_row


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """A sweep folder: two finished runs (one a rerun inside it), one failed, one killed,
    one interrupted, one with its metrics missing."""
    root = tmp_path_factory.mktemp("sweep")
    run(compose_config([*TINY, "seed=1"]), root / "0")
    run(compose_config([*TINY, "seed=2", "trainer.epochs=1"]), root / "1")
    (root / "1" / "reruns" / "x").mkdir(parents=True)
    (root / "1" / "reruns" / "x" / "status.json").write_text('{"status": "finished"}')
    artifacts.start_run_dir(root / "2")
    artifacts.mark_status(root / "2", "failed", error="training loss became nan at epoch 3")
    artifacts.write_json(
        root / "3" / "status.json", {"status": "running", "pid": 999999999, "host": os.uname()[1]}
    )
    artifacts.start_run_dir(root / "4")
    artifacts.mark_status(root / "4", "failed", error="interrupted", resumed_in=str(root / "0"))
    run(compose_config([*TINY, "seed=3", "trainer.epochs=1"]), root / "5")
    (root / "5" / "metrics.json").unlink()
    return root


def test_every_run_is_one_row_with_its_state(sweep, tmp_path, capsys):
    main([str(sweep), "--out", str(tmp_path / "report")])
    runs = pd.read_csv(tmp_path / "report" / "runs.csv")
    assert [os.path.basename(r) for r in runs["run_dir"]] == ["0", "1", "2", "3", "4", "5"]
    assert list(runs["state"]) == [
        "finished",
        "finished",
        "failed",
        "incomplete",
        "interrupted",
        "incomplete",
    ]
    assert list(runs["config.seed"].iloc[:2]) == [1, 2]
    assert list(runs["config.model.encoder_units"].iloc[:2]) == ["[4]", "[4]"]
    assert runs["metrics.training.epochs_run"].iloc[1] == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "6 runs: 2 finished, 1 failed, 1 interrupted, 2 incomplete"
    assert "failed " in out and "training loss became nan at epoch 3" in out
    assert f"(resumed in {sweep / '0'})" in out


def test_globs_and_a_run_folder_itself(sweep):
    assert find_runs([str(sweep / "[01]")]) == [sweep / "0", sweep / "1"]
    assert find_runs([str(sweep / "2")]) == [sweep / "2"]


def test_a_running_run_is_running(tmp_path):
    artifacts.start_run_dir(tmp_path / "live")  # this test process is alive
    assert run_row(tmp_path / "live")["state"] == "running"


def test_unreadable_metrics_do_not_stop_the_report(sweep, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "status.json").write_text(json.dumps({"status": "finished"}))
    (broken / "metrics.json").write_text('{"half": ')
    row = run_row(broken)
    assert row["metrics.unreadable"] == "metrics.json"


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (["{missing}"], "error: no such file or folder: "),
        (["{empty}"], "error: no runs found in "),
    ],
)
def test_nothing_to_report_is_one_line(tmp_path, capsys, paths, message):
    (tmp_path / "empty").mkdir()
    args = [p.format(missing=tmp_path / "nope", empty=tmp_path / "empty") for p in paths]
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--out", str(tmp_path / "r")])
    assert str(exit_.value).startswith(message)
    assert not (tmp_path / "r").exists()
