"""The baselines (detectors that are not Keras models): hand-computed scores, the
scikit-learn contract, and whole runs."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import TINY, compose_config, detector
from sklearn.base import clone

from tsadlab import artifacts
from tsadlab.config import settings_of
from tsadlab.errors import ConfigError
from tsadlab.models import MODELS
from tsadlab.run import run

DETECTORS = [spec.name for spec in MODELS if not spec.keras]
# the trivial baselines of this file; every detector's fit and score is the model contract's
BASELINES = ["isolation_forest", "rolling_zscore", "random_score"]
# stumpy compiles its kernels in each new process (20-50 s), and tslearn's k-Shape once per
# machine but in each test worker that gets there first (20-40 s; the model contract test
# already compiles them): their runs are slow tests
COMPILING = ("matrix_profile", "kshape")
END_TO_END = [
    pytest.param(name, marks=pytest.mark.slow) if name in COMPILING else name for name in DETECTORS
]

WINDOWS = np.array([[1.0, 2.0, 3.0, 10.0], [5.0, 5.0, 5.0, 6.0]])[:, :, None]


def test_rolling_zscore_hand_computed():
    plain = detector("rolling_zscore").score_windows(WINDOWS)
    # [1, 2, 3] -> mean 2, std sqrt(2/3); (10 - 2) / sqrt(2/3) = 9.798
    assert plain[0] == pytest.approx(8 / np.sqrt(2 / 3))
    assert np.isfinite(plain[1]) and plain[1] > 1e6  # a move out of a flat stretch
    robust = detector("rolling_zscore", robust=True)
    # median 2, MAD 1 -> spread 1.4826; (10 - 2) / 1.4826 = 5.396
    assert robust.score_windows(WINDOWS)[0] == pytest.approx(8 / 1.4826)


def test_rolling_zscore_takes_the_most_surprising_channel():
    calm = np.array([[1.0, 2.0, 3.0, 2.0]])[:, :, None]
    windows = np.concatenate([calm, WINDOWS[:1]], axis=2)  # channel 1 jumps to 10
    score = detector("rolling_zscore", n_features=2).score_windows(windows)
    assert score[0] == pytest.approx(8 / np.sqrt(2 / 3))


def test_isolation_forest_scores_an_odd_window_highest_and_repeats_with_its_seed():
    rng = np.random.default_rng(0)
    train = rng.normal(size=(200, 8, 1))
    odd = np.full((1, 8, 1), 6.0)
    scores = [
        detector("isolation_forest", window=8, seed=3)
        .fit(train)
        .score_windows(np.concatenate([train[:20], odd]))
        for _ in range(2)
    ]
    np.testing.assert_array_equal(scores[0], scores[1])
    assert scores[0].argmax() == 20


@pytest.mark.parametrize("name", BASELINES)
def test_baselines_follow_the_estimator_contract(name):
    built = detector(name)
    assert clone(built).get_params() == built.get_params()
    assert not [k for k in vars(built) if k.endswith("_")]  # nothing learned before fit
    scores = built.fit(WINDOWS).score_windows(WINDOWS)
    assert scores.shape == (2,) and np.isfinite(scores).all()


@pytest.mark.parametrize("name", END_TO_END)
def test_a_baseline_runs_end_to_end(tmp_path, name):
    result = run(compose_config([*TINY[2:], f"model={name}"]), tmp_path / name)
    run_dir = tmp_path / name
    assert artifacts.run_state(run_dir) == "finished"
    assert json.loads((run_dir / "detector.json").read_text())["model"] == name
    assert not (run_dir / "model.keras").exists()
    assert not (run_dir / "figures" / "loss_curve.png").exists()
    assert result.metrics["training"]["epochs_run"] == 0
    assert result.metrics["sizes"]["parameters"] is None
    assert result.scores.loc[result.scores.split == "test", "score"].notna().any()


def test_random_baseline_repeats_with_its_seed_and_changes_with_another(tmp_path):
    scores = [
        run(compose_config([*TINY[2:], "model=random_score", f"seed={s}"]), tmp_path / f"{i}")
        .scores["score"]
        .to_numpy()
        for i, s in enumerate((4, 4, 5))
    ]
    np.testing.assert_array_equal(scores[0], scores[1])
    assert not np.array_equal(scores[0], scores[2], equal_nan=True)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "scoring.error=forecast_mae",
            "scoring.error=forecast_mae with a model that scores windows its own",
        ),
        ("model.target=next", "model.target=next with model=rolling_zscore"),
    ],
)
def test_what_a_baseline_cannot_do_is_one_line(tmp_path, override, message):
    with pytest.raises(ConfigError, match=message):
        run(compose_config([*TINY[2:], "model=rolling_zscore", override]), tmp_path / "r")


def test_a_search_refuses_a_baseline():
    from tsadlab.tuning.hypermodel import PipelineHyperModel

    s = settings_of(compose_config(["model=rolling_zscore"], "tune"))
    with pytest.raises(ConfigError, match="model=rolling_zscore \\(a detector has no training"):
        PipelineHyperModel(s, space=None)


def test_the_default_point_error_leaves_a_detector_its_own_window_scores(tmp_path):
    # the default run scores rows by their reconstruction error; a detector has none, so it
    # keeps its window scores, aligned as window errors, and its folder records mae
    point = run(compose_config([*TINY[2:], "model=rolling_zscore"]), tmp_path / "point")
    mae = run(
        compose_config([*TINY[2:], "model=rolling_zscore", "scoring.error=mae"]), tmp_path / "mae"
    )
    saved = yaml.safe_load((tmp_path / "point" / "config.yaml").read_text())
    assert saved["scoring"]["error"] == "mae"
    frames = [pd.read_csv(r.run_dir / "scores.csv") for r in (point, mae)]
    pd.testing.assert_frame_equal(*frames)
