"""The ensemble: members fitted on the training windows, normalised by their own training
scores (checked against scipy's percentile of score and scaled MAD), combined."""

from pathlib import Path

import numpy as np
import pytest
from conftest import compose_config, model_config
from scipy import stats

from tsadlab.errors import ConfigError
from tsadlab.models import build_model
from tsadlab.models.ensemble import Normalisation, ScoreNormaliser
from tsadlab.run import run

RNG = np.random.default_rng(0)


def windows_of(values: np.ndarray, window: int) -> np.ndarray:
    return np.lib.stride_tricks.sliding_window_view(values, window)[:, :, None].copy()


def test_rank_normalisation_is_the_share_of_training_scores_at_or_below():
    training, later = RNG.normal(size=300), RNG.normal(scale=2.0, size=50)
    ours = ScoreNormaliser(Normalisation.rank, training)(later)
    expected = [stats.percentileofscore(training, s, kind="weak") / 100 for s in later]
    np.testing.assert_allclose(ours, expected)


def test_robust_z_is_the_distance_from_the_median_in_scaled_mads():
    training, later = RNG.standard_t(3, size=300), RNG.normal(size=50)
    ours = ScoreNormaliser(Normalisation.robust_z, training)(later)
    mad = stats.median_abs_deviation(training, scale="normal")
    np.testing.assert_allclose(ours, (later - np.median(training)) / mad)


def test_constant_training_scores_still_normalise():
    normalise = ScoreNormaliser(Normalisation.robust_z, np.ones(20))
    assert np.isfinite(normalise(np.array([1.0, 2.0]))).all()


def ensemble(window: int = 16, **params):
    return build_model(model_config("ensemble", **params), window, 1, seed=0)


@pytest.mark.parametrize("combination", ["mean", "max"])
@pytest.mark.parametrize("normalisation", ["rank", "robust_z"])
def test_the_ensemble_combines_its_members_normalised_scores(normalisation, combination):
    t = np.arange(1500)
    values = np.sin(2 * np.pi * t / 40) + 0.1 * RNG.standard_normal(len(t))
    train, test = windows_of(values[:1000], 16), windows_of(values[1000:], 16)
    test[200, -1, 0] += 3.0  # its last row, where rolling_zscore looks
    members = ["sub_pca", "rolling_zscore"]
    detector = ensemble(members=members, normalisation=normalisation, combination=combination).fit(
        train
    )
    parts = []
    for name in members:
        member = build_model(model_config(name), 16, 1, seed=0).fit(train)
        normalise = ScoreNormaliser(Normalisation(normalisation), member.score_windows(train))
        parts.append(normalise(member.score_windows(test)))
    combine = np.max if combination == "max" else np.mean
    np.testing.assert_allclose(detector.score_windows(test), combine(parts, axis=0))
    scores = detector.score_windows(test)
    assert scores[200] == scores.max()  # ranks saturate at 1: others may tie


def test_a_keras_member_is_trained_inside_a_run(tmp_path: Path):
    overrides = ["trainer.verbose=0", "data.rows=400", "data.window=10", "model=ensemble"]
    overrides += ["model.members=[lstm_ae,rolling_zscore]", "model.epochs=2"]
    overrides += ["++model.member_params.lstm_ae={encoder_units:[4],decoder_units:[4]}"]
    result = run(compose_config(overrides), tmp_path / "run")
    scores = result.scores["score"].dropna().to_numpy()  # a part's first 9 rows end no window
    assert len(scores) > 350 and ((scores >= 0) & (scores <= 1)).all()
    assert (tmp_path / "run" / "detector.json").exists()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"members": []}, "model.members=\\[\\] "),
        ({"members": ["sub_pca", "sub_pca"]}, "each at most once"),
        ({"members": ["ensemble"]}, "cannot nest"),
        ({"members": ["lstm_forecaster"]}, "which forecasts"),
        ({"members": ["no_such_model"]}, "no_such_model"),
        ({"member_params": {"lstm_ae": {}}}, "not in model.members"),
        ({"member_params": {"sub_pca": {"units": 3}}}, "keys of model=sub_pca only"),
        ({"normalisation": "zscore"}, "model.normalisation=zscore"),
        (
            {"members": ["lstm_ae"], "member_params": {"lstm_ae": {"dropout": "lots"}}},
            "model.member_params.lstm_ae=",
        ),
        (
            {"members": ["lstm_ae"], "member_params": {"lstm_ae": {"target": "next"}}},
            "which forecasts",
        ),
    ],
)
def test_a_bad_ensemble_is_one_line(params, message):
    with pytest.raises(ConfigError, match=message):
        ensemble(**params)
