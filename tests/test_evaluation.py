"""Re-evaluation of finished runs: same settings give the same numbers; oracles are marked."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from conftest import compose_config, threshold_config, tiny_nab
from test_pipeline_labeled import TINY_LABELED

from tsadlab.errors import ArtifactError
from tsadlab.evaluation.rescore import evaluate_run, evaluation_name
from tsadlab.run import run
from tsadlab.scoring.config import Alignment
from tsadlab.thresholds import FitOn

QUANTILE = threshold_config("quantile", q=0.99)
DEFAULT = QUANTILE  # the default config's threshold
END, MEAN = Alignment.end, Alignment.mean


@pytest.fixture(scope="module")
def labeled_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("labeled") / "run"
    run(compose_config(TINY_LABELED), run_dir)
    return run_dir


def test_same_settings_reproduce_the_training_run(labeled_run):
    evaluation = evaluate_run(labeled_run, DEFAULT, END)
    trained = pd.read_csv(labeled_run / "scores.csv")
    again = pd.read_csv(evaluation.out_dir / "scores.csv")
    pd.testing.assert_frame_equal(trained, again)
    metrics = json.loads((labeled_run / "metrics.json").read_text())
    assert evaluation.metrics["labeled"] == metrics["labeled"]
    assert evaluation.metrics["finding"] == metrics["finding"]  # says what training said
    assert evaluation.out_dir == labeled_run / "evaluations" / "quantile-end"


def test_other_threshold_and_alignment_write_their_own_folder(labeled_run):
    evaluation = evaluate_run(
        labeled_run,
        threshold_config("pot", q=0.01),
        MEAN,
    )
    assert evaluation.out_dir.name == "pot-q0.01-mean"
    for name in (
        "scores.csv",
        "events.csv",
        "metrics.json",
        "figures/anomalies.html",
        "figures/test_score_dist.png",
        "figures/scores_vs_threshold.html",
    ):
        assert (evaluation.out_dir / name).stat().st_size > 0, name
    scores = pd.read_csv(evaluation.out_dir / "scores.csv")
    assert scores["score"].notna().all()  # mean alignment scores every row
    assert evaluation.metrics["oracle"] is False
    assert "without labels" in evaluation.metrics["threshold_note"]
    assert evaluation.metrics["protocol"] == "split"
    # the page opens with this evaluation's own finding, not the training run's
    finding = evaluation.metrics["finding"]["text"]
    assert finding.splitlines()[0] in (evaluation.out_dir / "figures/anomalies.html").read_text()


def test_oracle_is_marked_everywhere(labeled_run):
    evaluation = evaluate_run(labeled_run, threshold_config("best_f1"))
    assert evaluation.out_dir.name.endswith("-oracle")
    saved = json.loads((evaluation.out_dir / "metrics.json").read_text())
    assert saved["oracle"] is True and saved["threshold"]["oracle"] is True
    assert saved["threshold_note"].startswith("ORACLE")
    ordinary = evaluate_run(labeled_run, QUANTILE, END).metrics["labeled"]["point"]["f1"]
    assert saved["labeled"]["point"]["f1"] >= ordinary  # it is an upper bound


def test_unfinished_or_foreign_directories_are_refused(tmp_path):
    with pytest.raises(ArtifactError, match="not a finished run"):
        evaluate_run(tmp_path, QUANTILE)


def test_category_runs_are_evaluated_per_series(tmp_path, nab_root):
    overrides = tiny_nab(nab_root)
    run(compose_config(overrides), tmp_path / "run")
    evaluation = evaluate_run(tmp_path / "run", QUANTILE, MEAN)
    table = pd.read_csv(evaluation.out_dir / "series.csv")
    assert table["series"].tolist() == ["cat__a", "cat__b"]
    assert evaluation.metrics["event_micro"]["tp"] == table["event_tp"].sum()
    assert (tmp_path / "run" / "series" / "cat__a" / "evaluations" / "quantile-mean").is_dir()


def test_names_list_only_non_default_parameters():
    assert evaluation_name(threshold_config("windowed_std", k=4.0), END) == "windowed_std-end"
    assert evaluation_name(threshold_config("mad", fit_on=FitOn.val, k=2.5), MEAN) == (
        "mad-k2.5-fit_val-mean"
    )


@pytest.mark.slow  # 8 s: the CLI's subprocess; the in-process re-evaluations stay fast
def test_cli_reevaluates_in_one_line(labeled_run):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tsadlab.cli.evaluate",
            f"run_dir={labeled_run}",
            "threshold=mad",
            "alignment=mean",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "mad-mean: threshold mad; alignment mean; overlap F1" in done.stdout
    assert "detected in the test period" in done.stdout  # the finding, in words
    bad = subprocess.run(
        [sys.executable, "-m", "tsadlab.cli.evaluate", f"run_dir={labeled_run}/nope"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert bad.returncode == 1 and bad.stderr.startswith("error: run_dir=")
    assert not (labeled_run / "nope").exists()


def test_point_errors_with_smoothing_reevaluate_identically(tmp_path):
    overrides = [
        *TINY_LABELED,
        "scoring.error=point",
        "scoring.smoothing=0.02",
        "threshold=windowed_std",
    ]
    run(compose_config(overrides), tmp_path / "run")
    evaluation = evaluate_run(
        tmp_path / "run",
        threshold_config("windowed_std"),
    )
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "run" / "scores.csv"), pd.read_csv(evaluation.out_dir / "scores.csv")
    )
    errors = pd.read_csv(tmp_path / "run" / "window_errors.csv")
    assert (errors["window"] == errors["start"]).all()  # one error per row
