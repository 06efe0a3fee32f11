"""End-to-end runs composed in-process, and what the run directory holds."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, compose_config
from omegaconf import OmegaConf

from tsadlab import artifacts
from tsadlab.config import settings_of, to_run_config
from tsadlab.data.prepare import prepare
from tsadlab.data.scalers import scaler_from_dict
from tsadlab.data.sources import load_dataset
from tsadlab.data.windows import make_windows
from tsadlab.errors import ArtifactError, DataError, TrainingError
from tsadlab.run import run

FIGURES = [
    "loss_curve.png",
    "train_score_dist.png",
    "test_score_dist.png",
    "series.html",
    "scores_vs_threshold.html",
    "anomalies.html",
]


def test_tutorial_experiment_reproduces_the_tutorial_setup():
    s = settings_of(compose_config(["experiment=sp500_tutorial"]))
    assert s["model"]["target"] == "next"
    assert s["threshold"] == {"name": "fixed", "fit_on": "train", "value": 0.65}
    assert (s["data"]["transform"], s["data"]["scaler"]) == ("none", "standard")
    assert (s["data"]["volatility"], s["scoring"]["error"]) == ("none", "mae")
    assert (s["trainer"]["batch_size"], s["trainer"]["validation_split"]) == (32, 0.1)
    assert (s["trainer"]["patience"], s["trainer"]["shuffle"]) == (3, False)
    assert s["model"]["encoder_units"] == [128] and s["model"]["dropout"] == 0.2
    cfg = to_run_config(compose_config(["experiment=sp500_tutorial"]))
    dataset = load_dataset(cfg.data)
    prepared = prepare(dataset.load(dataset.names[0]), cfg.data)
    windows = make_windows(prepared, 30, cfg.model.target, 1, 0.1)
    assert (len(windows.x_train), len(windows.x_test)) == (6523, 1609)
    assert windows.y_train.shape == (6523, 1)


def test_orion_experiment_composes_orions_settings():
    s = settings_of(
        compose_config(
            ["experiment=nab_orion_lstm_ae", "data.root=/nab", "data.category=realTweets"]
        )
    )
    assert s["data"]["source"] == "nab" and s["data"]["train_fraction"] == 1.0
    assert (s["data"]["window"], s["data"]["scaler_range"]) == (100, [-1.0, 1.0])
    assert (s["model"]["encoder_units"], s["model"]["dropout"], s["model"]["loss"]) == (
        [60],
        0.0,
        "mse",
    )
    t = s["trainer"]
    assert (t["epochs"], t["batch_size"], t["validation_split"], t["patience"]) == (35, 64, 0.2, 10)
    assert s["scoring"] == {
        "error": "point",
        "alignment": "auto",  # per-row errors: no window score is aligned
        "smoothing": 0.01,
        "smoothing_of": "windows",
        "smoothing_kind": "rolling_mean",
    }
    assert s["threshold"]["name"] == "windowed_std" and s["threshold"]["k"] == 4.0
    assert s["threshold"]["min_percent"] == 0.13
    d = s["data"]
    assert (d["resample_origin"], d["resample_fill"], d["tail_rows"]) == ("start", "mean", 1)


def test_default_config_is_the_corrected_one():
    s = settings_of(compose_config())
    assert s["model"]["target"] == "reconstruction"
    assert s["data"]["transform"] == "log_return"
    assert (s["data"]["volatility"], s["threshold"]["name"]) == ("none", "quantile")
    assert s["scoring"]["error"] == "point"
    assert s["data"]["rows"] == 8192
    assert settings_of(compose_config(["data=sp500_full"]))["data"]["rows"] is None


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    result = run(compose_config(TINY), run_dir)
    return run_dir, result


def test_run_directory_holds_every_artifact(finished_run):
    run_dir, _ = finished_run
    assert artifacts.read_status(run_dir)["status"] == "finished"
    for name in [
        "config.yaml",
        "model.keras",
        "scaler.json",
        "history.csv",
        "scores.csv",
        "events.csv",
        "metrics.json",
    ]:
        assert (run_dir / name).stat().st_size > 0, name
    for name in FIGURES:
        assert (run_dir / "figures" / name).stat().st_size > 1000, name
    page = (run_dir / "figures" / "anomalies.html").read_text()
    assert '<script charset="utf-8" src="plotly.min.js"></script>' in page
    assert "Plotly.newPlot" in page and "cdn.plot.ly" not in page
    assert (run_dir / "figures" / "plotly.min.js").stat().st_size > 1_000_000


def test_scores_csv_rows_and_columns(finished_run):
    run_dir, _ = finished_run
    scores = pd.read_csv(run_dir / "scores.csv", parse_dates=["timestamp"])
    metrics = json.loads((run_dir / "metrics.json").read_text())
    # 400 rows, log_return drops the first: 399 rows, 80 % of them (319) in training.
    sizes = metrics["sizes"]
    assert len(scores) == 399 == sizes["rows_train_period"] + sizes["rows_test"]
    assert list(scores.columns) == [
        "timestamp",
        "value",
        "split",
        "score",
        "threshold",
        "is_anomaly",
    ]
    assert scores["split"].value_counts().to_dict() == {
        "train": 319 - metrics["sizes"]["rows_val"],
        "test": 80,
        "val": metrics["sizes"]["rows_val"],
    }
    # Values are in original units (raw close, not returns).
    assert scores["value"].iloc[0] == pytest.approx(210.880005)
    # the default's point error scores every row a window covers: all of them
    assert scores["score"].notna().all()
    flagged = scores["score"] > metrics["threshold"]["value"]
    assert (flagged == scores["is_anomaly"].astype(bool)).all()
    assert metrics["anomalies"]["rows"]["test"] == int(
        scores.loc[scores.split == "test", "is_anomaly"].sum()
    )


def test_threshold_is_fitted_on_training_scores_only(finished_run):
    run_dir, _ = finished_run
    scores = pd.read_csv(run_dir / "scores.csv")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    train_scores = scores.loc[scores.split != "test", "score"].dropna()
    assert metrics["threshold"]["value"] == pytest.approx(np.quantile(train_scores, 0.99))


def test_metrics_json_records_what_a_rerun_needs(finished_run):
    run_dir, result = finished_run
    metrics = json.loads((run_dir / "metrics.json").read_text())
    for key in [
        "experiment",
        "seed",
        "backend",
        "data",
        "sizes",
        "training",
        "threshold",
        "anomalies",
        "timings_s",
        "versions",
        "git_commit",
    ]:
        assert key in metrics
    assert metrics["data"]["sha256"] == result.metrics["data"]["sha256"]
    assert metrics["training"]["epochs_run"] == len(pd.read_csv(run_dir / "history.csv"))
    assert {"keras", "numpy", "tensorflow"} <= set(metrics["versions"])
    scaler = scaler_from_dict(json.loads((run_dir / "scaler.json").read_text()))
    assert scaler.mean_.shape == (1,)


def test_events_cover_the_flagged_rows(finished_run):
    run_dir, _ = finished_run
    scores = pd.read_csv(run_dir / "scores.csv")
    events = pd.read_csv(run_dir / "events.csv")
    assert events["n_points"].sum() == scores["is_anomaly"].sum()


def test_a_finished_run_is_never_overwritten(finished_run):
    run_dir, _ = finished_run
    with pytest.raises(ArtifactError, match="already holds a finished run"):
        run(compose_config(TINY), run_dir)


def test_same_seed_gives_identical_scores_with_unrolled_scoring(tmp_path, finished_run, caplog):
    _, first = finished_run  # 400 rows: scored by the model as trained
    caplog.set_level("INFO", logger="tsadlab.scoring.predict")
    again = run(compose_config([*TINY, "trainer.predict_unroll_from=0"]), tmp_path / "again")
    assert "with unrolled recurrent layers" in caplog.text
    pd.testing.assert_frame_equal(first.scores, again.scores, rtol=1e-6)


def test_failed_run_is_marked_failed_and_has_no_metrics(tmp_path, write_csv):
    path = write_csv("timestamp,value\n2020-01-01,1\n2020-01-02,x\n")
    run_dir = tmp_path / "failed"
    with pytest.raises(DataError):
        run(compose_config([*TINY, "data=csv", f"data.path={path}", "data.rows=null"]), run_dir)
    status = artifacts.read_status(run_dir)
    assert status["status"] == "failed" and "non-numeric" in status["error"]
    assert not (run_dir / "metrics.json").exists()


def test_mean_alignment_scores_every_row(tmp_path):
    result = run(
        compose_config([*TINY, "scoring.alignment=mean", "threshold=max"]), tmp_path / "mean"
    )
    assert result.scores["score"].notna().all()
    train = result.scores[result.scores.split != "test"]
    assert not train["is_anomaly"].any()  # max of training scores flags nothing there


def test_non_finite_loss_stops_the_run_with_a_clear_error(tmp_path):
    # Values near float32's maximum with scaling turned off overflow the loss at once.
    values = 3e38 * (1 + 0.1 * np.sin(np.arange(200)))
    timestamps = pd.date_range("2020-01-01", periods=200, freq="min")
    path = tmp_path / "huge.csv"
    pd.DataFrame({"timestamp": timestamps, "value": values}).to_csv(path, index=False)
    run_dir = tmp_path / "run"
    overrides = [*TINY, "data=csv", f"data.path={path}", "data.rows=null", "data.scaler=none"]
    overrides.append(f"trainer.resume_dir={tmp_path / 'resume'}")
    with pytest.raises(TrainingError, match="training loss became inf at epoch 1; usual causes"):
        run(compose_config(overrides), run_dir)
    assert artifacts.read_status(run_dir)["status"] == "failed"
    assert not (run_dir / "metrics.json").exists()
    assert list((tmp_path / "resume").iterdir()) == []  # nothing to resume: it would fail again


# conv_ae: no recurrent layer; lstm_vae: a custom layer saved with the run. Every model
# trains, saves and reloads in the contract tests; dense_ae runs from the CLI in test_cli.
@pytest.mark.parametrize("model", ["conv_ae", "lstm_vae"])
def test_models_of_other_shapes_run_end_to_end(tmp_path, model):
    small = {
        "gru_ae": ["model.encoder_units=[4]", "model.decoder_units=[4]"],
        "conv_ae": ["model.filters=[4,2]", "model.kernel_size=3"],
        "dense_ae": ["model.encoder_units=[8,2]", "model.decoder_units=[8]"],
        "lstm_vae": ["model.encoder_units=[4]", "model.decoder_units=[4]", "model.latent_dim=2"],
    }
    overrides = [*TINY[2:], f"model={model}", *small[model], "trainer.epochs=1"]
    result = run(compose_config(overrides), tmp_path / model)
    assert artifacts.read_status(tmp_path / model)["status"] == "finished"
    assert result.scores.loc[result.scores.split == "test", "score"].notna().any()
    saved = OmegaConf.load(tmp_path / model / "config.yaml")
    assert saved.model.name == model
