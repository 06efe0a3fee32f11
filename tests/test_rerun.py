"""`tsadlab-rerun`: a finished run, run again from its own directory, gives identical results,
and any difference is reported."""

import pandas as pd
import pytest
from conftest import TINY, compose_config

from tsadlab import artifacts
from tsadlab.cli.rerun import compare_runs, main, rerun
from tsadlab.errors import ArtifactError
from tsadlab.run import run


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("rerun") / "run"
    run(compose_config([*TINY, "seed=5"]), run_dir)
    return run_dir


def test_a_rerun_matches_its_run_exactly(finished_run, capsys):
    main([str(finished_run), "--into", str(finished_run.parent / "again")])  # exits 1 on a diff
    assert "every table and metric is identical" in capsys.readouterr().out
    again = finished_run.parent / "again"
    assert artifacts.read_status(again)["status"] == "finished"
    pd.testing.assert_frame_equal(
        pd.read_csv(finished_run / "scores.csv"), pd.read_csv(again / "scores.csv")
    )


def test_a_changed_result_is_reported(finished_run, tmp_path):
    changed = tmp_path / "changed"
    (changed / "nested").mkdir(parents=True)
    for path in finished_run.iterdir():
        if path.is_file():
            (changed / path.name).write_bytes(path.read_bytes())
    scores = pd.read_csv(changed / "scores.csv")
    scores.loc[len(scores) - 1, "score"] += 1e-9
    scores.to_csv(changed / "scores.csv", index=False)
    metrics = (changed / "metrics.json").read_text().replace('"seed": 5', '"seed": 6')
    (changed / "metrics.json").write_text(metrics)
    assert compare_runs(finished_run, changed) == [
        "metrics.json: seed = 5 vs 6",
        "scores.csv: column score differs",
    ]


def test_rerun_refuses_a_run_that_did_not_finish(tmp_path):
    artifacts.start_run_dir(tmp_path / "cut")
    with pytest.raises(ArtifactError, match="holds no finished run \\(status: running\\)"):
        rerun(tmp_path / "cut")
