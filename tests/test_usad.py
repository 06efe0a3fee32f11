"""USAD: its losses weighted by the epoch number (also after a resume), each autoencoder
trained by its own loss's gradient, its score against the sub-networks computed here, a
safe save and load, detection of an injected anomaly, agreement across backends and a
whole run. What every model must do is also the contract test's (test_contracts.py)."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, compose_config, model_config
from test_resume import StopAfterEpoch

from tsadlab import artifacts
from tsadlab.errors import ConfigError
from tsadlab.models import build_model, load_keras_model
from tsadlab.run import run
from tsadlab.runtime import load_keras
from tsadlab.training import fit as fitting

keras = load_keras("jax")


def usad(window: int = 4, n_features: int = 2, **params):
    """A small USAD model, built as a run builds it (seeded)."""
    keras.utils.set_random_seed(0)
    return build_model(model_config("usad", **params), window, n_features)


def windows(n: int = 32, window: int = 4, n_features: int = 2, seed: int = 0) -> np.ndarray:
    """Uniform random windows in [0, 1), the sigmoid's range."""
    return np.random.default_rng(seed).random((n, window, n_features)).astype("float32")


def sub_networks(model) -> tuple:
    """AE1 and AE2 as numpy functions of flattened windows, from the model's weights (the
    encoder's weights: the sum of its two parts)."""

    def dense_stack(layers, h, last):
        for i, layer in enumerate(layers):
            kernel = sum(np.asarray(k) for k in layer.kernels)
            bias = sum(np.asarray(b) for b in layer.biases)
            h = h @ kernel + bias
            h = np.maximum(h, 0) if i < len(layers) - 1 or last == "relu" else 1 / (1 + np.exp(-h))
        return h

    def ae(decoder):
        return lambda w: dense_stack(decoder, dense_stack(model.encoder, w, "relu"), "sigmoid")

    return ae(model.decoder1), ae(model.decoder2)


def errors(model, x: np.ndarray) -> tuple:
    """Mean squared errors of w1 = AE1(W), w2 = AE2(W), w3 = AE2(AE1(W)), per window."""
    ae1, ae2 = sub_networks(model)
    w = x.reshape(len(x), -1).astype(np.float64)
    w1 = ae1(w)
    return tuple(((w - r) ** 2).mean(axis=1) for r in (w1, ae2(w), ae2(w1)))


def test_the_epoch_number_weights_the_losses_from_1_and_after_resuming():
    """With the weights frozen (rate 0), each epoch's validation L1 and L2 are the same
    errors weighted by 1/n and 1 - 1/n, n = epoch + 1; a resumed fit (initial_epoch) goes on
    counting where it starts."""
    model = usad()
    model.optimizer.learning_rate = 0.0
    x, val = windows(), windows(8, seed=1)
    e1, e2, e3 = (e.mean() for e in errors(model, val))
    history = {}
    for first, last in ((0, 2), (2, 4)):
        fitted = model.fit(
            x,
            x,
            validation_data=(val, val),
            epochs=last,
            initial_epoch=first,
            batch_size=8,
            verbose=0,
            callbacks=model.fit_callbacks(),
        )
        for key, values in fitted.history.items():
            history.setdefault(key, []).extend(values)
    n = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(history["val_loss1"], e1 / n + (1 - 1 / n) * e3, rtol=1e-5)
    np.testing.assert_allclose(history["val_loss2"], e2 / n - (1 - 1 / n) * e3, atol=1e-7)
    total = np.add(history["val_loss1"], history["val_loss2"])
    np.testing.assert_allclose(history["val_loss"], total, rtol=1e-4, atol=1e-7)
    assert float(model.epoch_number) == 4.0


@pytest.mark.parametrize("adversarial_decoders", [False, True])
def test_each_part_of_the_encoder_learns_from_its_own_loss(adversarial_decoders):
    """The gradient of the compiled loss is, exactly, dL1 for the encoder's AE1 part and dL2
    for its AE2 part (two optimizers' gradients), as computed here with JAX from the summed
    weights; the decoders get d(L1 + L2) (the authors' code as it runs), or with
    adversarial_decoders dL1 for decoder 1 and dL2 for decoder 2 (the paper), which differ
    (the adversarial terms cancel in the sum)."""
    import jax
    import jax.numpy as jnp

    model = usad(window=8, hidden_units=[16, 16], adversarial_decoders=adversarial_decoders)
    weights = model.get_weights()
    # the initial weights moved at random: the encoder's AE2 part is no longer zero
    rng = np.random.default_rng(0)
    model.set_weights([w + rng.normal(0, 0.1, w.shape).astype("float32") for w in weights])
    model.epoch_number.assign(3.0)
    x = jnp.asarray(windows(16, window=8))
    trainable = [v.value for v in model.trainable_variables]
    rest = [v.value for v in model.non_trainable_variables]
    metrics = [v.value for v in model.metrics_variables]

    def compiled_loss(values):
        loss, _ = model.stateless_compute_loss(values, rest, metrics, x=x, y=x)
        return loss

    paths = [v.path for v in model.trainable_variables]
    got = dict(zip(paths, jax.grad(compiled_loss)(trainable), strict=True))

    def layer_weights(layer):
        return (sum(k.value for k in layer.kernels), sum(b.value for b in layer.biases))

    enc, dec1, dec2 = (
        [layer_weights(la) for la in part]
        for part in (model.encoder, model.decoder1, model.decoder2)
    )

    def stack(params, h, last):
        for i, (kernel, bias) in enumerate(params):
            h = h @ kernel + bias
            h = jax.nn.relu(h) if i < len(params) - 1 or last == "relu" else jax.nn.sigmoid(h)
        return h

    def losses(enc, dec1, dec2):
        w = x.reshape(len(x), -1)
        z = stack(enc, w, "relu")
        w1, w2 = stack(dec1, z, "sigmoid"), stack(dec2, z, "sigmoid")
        w3 = stack(dec2, stack(enc, w1, "relu"), "sigmoid")
        e1, e2, e3 = (jnp.mean((w - r) ** 2) for r in (w1, w2, w3))
        return e1 / 3 + 2 / 3 * e3, e2 / 3 - 2 / 3 * e3

    enc_1, dec1_1 = jax.grad(lambda e, d: losses(e, d, dec2)[0], argnums=(0, 1))(enc, dec1)
    enc_2, dec2_2 = jax.grad(lambda e, d: losses(e, dec1, d)[1], argnums=(0, 1))(enc, dec2)
    dec1_sum, dec2_sum = jax.grad(lambda a, b: sum(losses(enc, a, b)), argnums=(0, 1))(dec1, dec2)
    for summed, own in ((dec1_sum, dec1_1), (dec2_sum, dec2_2)):
        flat_summed, flat_own = (
            np.concatenate([np.ravel(a) for a in jax.tree.leaves(g)]) for g in (summed, own)
        )
        assert not np.allclose(flat_summed, flat_own, rtol=1e-3, atol=0)
    if not adversarial_decoders:
        dec1_1, dec2_2 = dec1_sum, dec2_sum
    expected = {}
    for name, grads, part in (
        ("encoder", enc_1, "ae1"),
        ("encoder", enc_2, "ae2"),
        ("decoder1", dec1_1, "ae1"),
        ("decoder2", dec2_2, "ae2"),
    ):
        for i, (kernel, bias) in enumerate(grads):
            expected[f"usad/{name}_{i}/kernel_{part}"] = kernel
            expected[f"usad/{name}_{i}/bias_{part}"] = bias
    assert set(expected) == set(got)
    for path, grad in expected.items():
        np.testing.assert_allclose(got[path], grad, rtol=1e-4, atol=1e-6, err_msg=path)


def test_the_score_is_alpha_ae1_error_plus_beta_ae2_of_ae1_error():
    model = usad(alpha=0.3, beta=0.7)
    x = windows(45)
    model.fit(x, x, epochs=2, batch_size=8, verbose=0, callbacks=model.fit_callbacks())
    e1, _, e3 = errors(model, x)
    scores = model.score_windows(x, batch_size=8)  # the last batch: 5 windows
    assert scores.shape == (45,) and scores.dtype == np.float64
    np.testing.assert_allclose(scores, 0.3 * e1 + 0.7 * e3, rtol=1e-4, atol=1e-7)
    # predict gives AE1's reconstruction, shaped like the windows
    ae1, _ = sub_networks(model)
    expected = ae1(x.reshape(45, -1)).reshape(x.shape)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-6)


LOAD_AND_SCORE = """
import sys, numpy as np
from tsadlab.runtime import load_keras
load_keras("jax")
from tsadlab.models import load_keras_model
model = load_keras_model(sys.argv[1])
np.save(sys.argv[3], model.score_windows(np.load(sys.argv[2]), 16))
"""


@pytest.mark.slow  # a fresh process imports Keras and JAX
def test_a_saved_model_loads_safely_with_identical_scores(tmp_path):
    model = usad(window=5, n_features=3, hidden_units=[6], latent_dim=2, alpha=0.2, beta=0.8)
    x = windows(40, 5, 3)
    model.fit(x, x, epochs=3, batch_size=8, verbose=0, callbacks=model.fit_callbacks())
    path = artifacts.save_keras_model(tmp_path / "model.keras", model)
    loaded = load_keras_model(path)
    assert loaded.get_config() == model.get_config()
    assert float(loaded.epoch_number) == 3.0
    np.testing.assert_array_equal(loaded.score_windows(x, 16), model.score_windows(x, 16))
    # in a new process, where nothing of USAD's Keras side was imported before the load
    np.save(tmp_path / "x.npy", x)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            LOAD_AND_SCORE,
            str(path),
            str(tmp_path / "x.npy"),
            str(tmp_path / "s.npy"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    np.testing.assert_allclose(np.load(tmp_path / "s.npy"), model.score_windows(x, 16), rtol=1e-6)


def test_an_injected_anomaly_scores_higher_after_brief_training():
    t = np.arange(600)
    values = 0.5 + 0.3 * np.stack([np.sin(2 * np.pi * t / 20), np.cos(2 * np.pi * t / 20)], 1)
    values += np.random.default_rng(0).normal(0, 0.01, values.shape)
    x = np.lib.stride_tricks.sliding_window_view(values, 10, axis=0).transpose(0, 2, 1)
    train, test = x[:400].astype("float32"), x[400:].astype("float32")
    test[100, 4:7] = [1.0, 0.0]  # three rows out of both channels' range, in one window
    model = usad(window=10, n_features=2, learning_rate=0.003)
    model.fit(train, train, epochs=20, batch_size=16, verbose=0, callbacks=model.fit_callbacks())
    scores = model.score_windows(test, 256)
    assert scores[100] > 1.2 * np.delete(scores, 100).max()


@pytest.mark.parametrize(
    "params",
    [
        {"latent_dim": 0},
        {"alpha": -0.1},
        {"alpha": 0.0, "beta": 0.0},
        {"hidden_units": [8, 0]},
        {"output_activation": "nope"},
        {"loss": "mse"},
        {"target": "next"},
        {"learning_rate": 0.0},
        {"optimizer": "nope"},
    ],
)
def test_bad_settings_are_one_line_config_errors(params):
    from tsadlab.data.windows import Target

    if "target" in params:
        params = {"target": Target(params["target"])}
    with pytest.raises(ConfigError, match=r"^Received: model\.") as error:
        usad(**params)
    assert "\n" not in str(error.value)


def test_the_authors_layer_sizes_and_tsb_ads():
    authors = usad(window=10, n_features=3)  # 30 values: 15, 7, then the code
    assert [layer.units for layer in authors.encoder] == [15, 7, 16]
    assert [layer.units for layer in authors.decoder2] == [7, 15, 30]
    tsb_ad = usad(window=10, n_features=1, hidden_units=[16, 16], latent_dim=5)
    assert [layer.units for layer in tsb_ad.encoder] == [16, 16, 5]
    tiny = usad(window=2, n_features=1)  # never a layer of 0 units
    assert [layer.units for layer in tiny.encoder] == [1, 1, 16]


CROSS_BACKEND = """
import sys, numpy as np
from tsadlab.runtime import load_keras
load_keras(sys.argv[1])
from tsadlab.models import build_model, MODELS
data = np.load(sys.argv[2])
model = build_model(MODELS.get("usad").schema(adversarial_decoders=True), 6, 2)
model.set_weights([data[f"w{i}"] for i in range(len(model.get_weights()))])
x = data["x"]
history = model.fit(x, x, epochs=3, batch_size=16, shuffle=False, verbose=0,
                    callbacks=model.fit_callbacks()).history
np.savez(sys.argv[3], scores=model.score_windows(x, 32), loss1=history["loss1"],
         loss2=history["loss2"], **{f"w{i}": w for i, w in enumerate(model.get_weights())})
"""
BACKENDS = [b for b in ("jax", "tensorflow", "torch") if importlib.util.find_spec(b)]


@pytest.mark.slow
@pytest.mark.skipif(len(BACKENDS) < 2, reason="needs two Keras backends installed")
def test_training_and_scores_agree_across_backends(tmp_path):
    """From the same weights and windows every installed backend trains to the same weights,
    losses and scores: the gradient routing (checked against JAX above) is the same on each
    (with adversarial decoders, whose training stops gradients in every layer)."""
    model = usad(window=6, n_features=2, adversarial_decoders=True)
    rng = np.random.default_rng(0)
    weights = [rng.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()]
    weights[0] = np.float32(1.0)  # the epoch number
    given = tmp_path / "given.npz"
    np.savez(given, x=windows(64, 6, 2), **{f"w{i}": w for i, w in enumerate(weights)})
    learned = {}
    for backend in BACKENDS:
        out = tmp_path / f"{backend}.npz"
        done = subprocess.run(
            [sys.executable, "-c", CROSS_BACKEND, backend, str(given), str(out)],
            capture_output=True,
            text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": backend},
        )
        assert done.returncode == 0, done.stderr[-2000:]
        learned[backend] = np.load(out)
    first = learned[BACKENDS[0]]
    assert not np.allclose(first["w5"], weights[5])  # training moved the weights
    for backend in BACKENDS[1:]:
        other = learned[backend]
        for key in ("loss1", "loss2"):
            np.testing.assert_allclose(other[key], first[key], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(other["scores"], first["scores"], rtol=1e-3, atol=1e-6)
        for i in range(len(weights)):
            np.testing.assert_allclose(other[f"w{i}"], first[f"w{i}"], rtol=1e-3, atol=1e-4)


@pytest.mark.slow  # 7 s; the contract test builds and scores it on several channels
def test_a_multivariate_run_through_the_cli_machinery(tmp_path, write_csv):
    t = np.arange(400)
    noise = np.random.default_rng(0).normal(0, 0.05, (400, 2))
    values = np.stack([np.sin(t / 6), np.cos(t / 9)], axis=1) + noise
    labels = np.zeros(400, dtype=int)
    values[330:334, 1] += 3.0
    labels[330:334] = 1
    frame = pd.DataFrame({"a": values[:, 0], "b": values[:, 1], "label": labels})
    path = write_csv(frame.to_csv(index=False))
    overrides = [
        "data=csv",
        f"data.path={path}",
        "data.time_column=null",
        "data.value_columns=[a,b]",
        "data.label_column=label",
        "data.window=10",
        "data.scaler=minmax",
        "model=usad",
        "model.hidden_units=[8,4]",
        "trainer.epochs=2",
        "trainer.verbose=0",
    ]
    run_dir = tmp_path / "run"
    result = run(compose_config(overrides), run_dir)
    assert artifacts.read_status(run_dir)["status"] == "finished"
    assert result.scores.loc[result.scores.split == "test", "score"].notna().any()
    history = pd.read_csv(run_dir / "history.csv")
    assert {"loss1", "loss2", "val_loss1", "val_loss2"} <= set(history.columns)
    loaded = load_keras_model(run_dir / "model.keras")
    assert loaded.get_config()["n_features"] == 2


@pytest.mark.slow  # three runs; the epoch weights after resuming are also checked above
def test_a_resumed_run_weights_its_losses_as_the_uninterrupted_run(tmp_path, monkeypatch):
    """tsadlab resumes from the last saved epoch with initial_epoch: the epoch number goes on
    from there, so the history (L1, L2 weighted by 1/n) and scores equal the whole run's."""
    overrides = [
        *TINY[2:],
        "model=usad",
        "trainer.epochs=4",
        "trainer.patience=10",
        f"trainer.resume_dir={tmp_path / 'resume'}",
    ]
    run(compose_config(overrides), tmp_path / "whole")
    fit_keras = fitting.fit_keras

    def interrupted(*args, **kwargs):
        kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), StopAfterEpoch(3)]
        return fit_keras(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(fitting, "fit_keras", interrupted)
        with pytest.raises(KeyboardInterrupt):
            run(compose_config(overrides), tmp_path / "cut")
    resumed = run(compose_config(overrides), tmp_path / "resumed")
    assert resumed.metrics["training"]["resumed_from"]["epoch"] == 2
    for table in ("history.csv", "scores.csv"):
        pd.testing.assert_frame_equal(
            pd.read_csv(tmp_path / "whole" / table), pd.read_csv(tmp_path / "resumed" / table)
        )
