"""Runs on labeled data: metrics.json holds the labeled report; categories aggregate."""

import json

import pandas as pd
import pytest
from conftest import compose_config, tiny_nab

from tsadlab import artifacts
from tsadlab.errors import ConfigError
from tsadlab.run import run

TINY_LABELED = [
    "data=synthetic",
    "data.length=1200",
    "data.period=50",
    "data.n_anomalies=3",
    "data.anomaly_length=20",
    "data.window=20",
    "data.clean_fraction=0.3",
    "model.encoder_units=[4]",
    "model.decoder_units=[4]",
    "trainer.epochs=2",
    "trainer.verbose=0",
]


def test_labeled_run_reports_every_metric_on_test_rows(tmp_path):
    result = run(compose_config(TINY_LABELED), tmp_path / "run")
    labeled = result.metrics["labeled"]
    assert labeled["rows"] == "test"
    for key in ("point", "event", "event_counts", "point_adjusted", "auc", "vus_pr"):
        assert key in labeled
    assert labeled["point_adjusted"]["inflated"] is True
    scores = pd.read_csv(tmp_path / "run" / "scores.csv")
    test = scores[scores.split == "test"]
    assert labeled["n_labeled_rows"] == int(test["label"].sum())
    errors = pd.read_csv(tmp_path / "run" / "window_errors.csv")
    assert set(errors["part"]) == {"train", "test"}
    assert list(errors.columns) == ["part", "window", "start", "error"]


def test_oracle_threshold_is_refused_in_training(tmp_path):
    with pytest.raises(ConfigError, match="threshold=best_f1 is an oracle"):
        run(compose_config([*TINY_LABELED, "threshold=best_f1"]), tmp_path / "run")
    assert artifacts.read_status(tmp_path / "run")["status"] == "failed"


def test_whole_series_protocol_scores_every_row(tmp_path):
    overrides = [*TINY_LABELED, "data.train_fraction=1.0", "threshold=windowed_std"]
    result = run(compose_config(overrides), tmp_path / "run")
    assert result.metrics["labeled"]["rows"] == "all"
    assert result.metrics["sizes"]["rows_test"] == 0
    assert result.metrics["threshold"]["per_row"] is True
    assert set(result.scores["split"]) == {"train", "val"}


def test_category_runs_each_series_and_micro_averages(tmp_path, nab_root):
    overrides = tiny_nab(nab_root)
    result = run(compose_config(overrides), tmp_path / "run")
    table = pd.read_csv(tmp_path / "run" / "series.csv")
    assert table["series"].tolist() == ["cat__a", "cat__b"]
    assert (table["status"] == "finished").all()
    for name in ("cat__a", "cat__b"):
        assert artifacts.read_status(tmp_path / "run" / "series" / name)["status"] == "finished"
    micro = json.loads((tmp_path / "run" / "metrics.json").read_text())["event_micro"]
    assert micro["tp"] == table["event_tp"].sum() and micro["fp"] == table["event_fp"].sum()
    assert result.metrics["n_series"] == 2


def test_a_failing_series_fails_the_category_but_not_the_others(tmp_path, nab_root):
    (nab_root / "data" / "cat" / "b.csv").write_text(
        "timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:05:00,2\n"
    )
    overrides = tiny_nab(nab_root)
    with pytest.raises(Exception, match="1 of 2 series failed: cat__b"):
        run(compose_config(overrides), tmp_path / "run")
    assert artifacts.read_status(tmp_path / "run")["status"] == "failed"
    assert artifacts.read_status(tmp_path / "run" / "series" / "cat__a")["status"] == "finished"
    assert artifacts.read_status(tmp_path / "run" / "series" / "cat__b")["status"] == "failed"
    table = pd.read_csv(tmp_path / "run" / "series.csv")
    assert table.set_index("series")["status"].to_dict() == {
        "cat__a": "finished",
        "cat__b": "failed",
    }


def test_a_category_run_again_keeps_its_finished_series_and_runs_the_rest(tmp_path, nab_root):
    b = nab_root / "data" / "cat" / "b.csv"
    readable = b.read_text()
    b.write_text("timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:05:00,2\n")
    overrides = tiny_nab(nab_root)
    with pytest.raises(Exception, match="1 of 2 series failed: cat__b"):
        run(compose_config(overrides), tmp_path / "run")
    first_a = artifacts.read_status(tmp_path / "run" / "series" / "cat__a")
    b.write_text(readable)  # the cause fixed, the same command again
    result = run(compose_config(overrides), tmp_path / "run")
    assert artifacts.read_status(tmp_path / "run")["status"] == "finished"
    assert artifacts.read_status(tmp_path / "run" / "series" / "cat__a") == first_a  # kept
    table = pd.read_csv(tmp_path / "run" / "series.csv").set_index("series")
    assert (table["status"] == "finished").all()
    a_metrics = json.loads((tmp_path / "run" / "series" / "cat__a" / "metrics.json").read_text())
    assert table.loc["cat__a", "event_tp"] == a_metrics["labeled"]["event_counts"]["tp"]
    assert result.metrics["event_micro"]["tp"] == table["event_tp"].sum()
    # other settings in the same folder: the finished series is not passed off as theirs
    artifacts.mark_status(tmp_path / "run", "failed", error="stopped")
    with pytest.raises(Exception, match="2 of 2 series failed"):
        run(compose_config([*overrides, "trainer.epochs=2"]), tmp_path / "run")


@pytest.mark.figures
def test_category_runs_store_plotly_js_once(tmp_path, nab_root):
    run(compose_config(tiny_nab(nab_root)), tmp_path / "run")
    copies = list((tmp_path / "run").rglob("plotly.min.js"))
    assert len(copies) == 2  # one figures folder per series
    assert len({c.stat().st_ino for c in copies}) == 1  # the same file, hard-linked
    assert copies[0].stat().st_size > 1_000_000


@pytest.mark.slow  # 6 s
def test_the_cli_job_of_a_category_run_ends_without_a_single_objective(tmp_path, nab_root):
    from tsadlab.cli.train import train

    assert train(compose_config(tiny_nab(nab_root)), tmp_path / "run") is None
    assert artifacts.read_status(tmp_path / "run")["status"] == "finished"


def test_a_finished_detector_series_is_kept_though_its_config_records_its_own_error(
    tmp_path, nab_root
):
    # a detector scores windows itself: the default scoring.error=point is recorded as mae
    overrides = ["data=nab", f"data.root={nab_root}", "data.category=cat", "data.window=10"]
    overrides.append("model=sub_pca")
    run(compose_config(overrides), tmp_path / "run")
    first_a = artifacts.read_status(tmp_path / "run" / "series" / "cat__a")
    assert "error: mae" in (tmp_path / "run" / "series" / "cat__a" / "config.yaml").read_text()
    artifacts.mark_status(tmp_path / "run", "failed", error="stopped")
    run(compose_config(overrides), tmp_path / "run")  # the same command again
    assert artifacts.read_status(tmp_path / "run" / "series" / "cat__a") == first_a  # kept


def test_a_finished_keras_series_scored_by_another_error_is_not_kept(tmp_path, nab_root):
    # only a model that scores windows itself records mae for point; a Keras autoencoder's
    # finished `mae` series is not the result of a run asking for `point`
    overrides = tiny_nab(nab_root)
    run(compose_config([*overrides, "scoring.error=mae"]), tmp_path / "run")
    artifacts.mark_status(tmp_path / "run", "failed", error="stopped")
    with pytest.raises(Exception, match="2 of 2 series failed"):
        run(compose_config([*overrides, "scoring.error=point"]), tmp_path / "run")
