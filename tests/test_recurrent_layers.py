"""tsadlab's LSTM and GRU layers (fused under PyTorch, input-once for a repeated input on
JAX) compute what Keras' own layers compute, from the same weights, and a model saved on any
backend loads in safe mode and predicts the same on every other."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HELPER = Path(__file__).with_name("recurrent_layers_run.py")
BACKENDS = [b for b in ("jax", "torch", "tensorflow") if importlib.util.find_spec(b) is not None]


def test_the_repeated_input_path_computes_what_keras_computes_on_jax():
    keras = pytest.importorskip("keras")
    if keras.config.backend() != "jax":
        pytest.skip("the tests run Keras on JAX")
    from tsadlab.models._recurrent_layers import GRU, LSTM

    x = np.random.default_rng(0).normal(size=(16, 5, 3)).astype("float32")
    code = x[:, :1, :].repeat(5, axis=1)  # a decoder's input: one vector per window
    for theirs_class, mine_class in ((keras.layers.LSTM, LSTM), (keras.layers.GRU, GRU)):
        keras.utils.set_random_seed(0)
        theirs = theirs_class(4, return_sequences=True)
        mine = mine_class(4, return_sequences=True, repeated_input=True)
        theirs.build(code.shape)
        mine.build(code.shape)
        mine.set_weights(theirs.get_weights())
        ran = []
        mine._repeated_loop = lambda *a, _f=mine._repeated_loop, _ran=ran: _ran.append(1) or _f(*a)
        # the same products and sums in Keras' order; XLA may fuse them differently
        np.testing.assert_allclose(np.asarray(mine(code)), np.asarray(theirs(code)), atol=1e-6)
        assert ran, "the input-once path did not run"
        # without the flag, or on an input that varies, the layer is Keras' own loop
        plain = mine_class(4, return_sequences=True)
        plain.build(x.shape)
        plain.set_weights(theirs.get_weights())
        np.testing.assert_array_equal(np.asarray(plain(x)), np.asarray(theirs(x)))
        assert mine.get_config()["repeated_input"] and not plain.get_config()["repeated_input"]


@pytest.mark.slow
@pytest.mark.skipif(len(BACKENDS) < 2, reason="needs two Keras backends installed")
def test_the_layers_match_keras_and_load_across_every_backend(tmp_path):
    reports = {}
    for backend in BACKENDS:  # each loads what the ones before it saved
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        done = subprocess.run(
            [sys.executable, str(HELPER), backend, str(tmp_path)],
            capture_output=True,
            text=True,
            env=env,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        reports[backend] = json.loads(done.stdout.strip().splitlines()[-1])
    for backend, report in reports.items():
        for name, compared in report["compared"].items():
            where = f"{name} on {backend}"
            assert compared["predict"] < 1e-6, where
            assert compared["loss"] < 1e-6 and compared["weights"] < 1e-6, where
            assert compared["moved"] > 1e-4, f"{where}: training did not move the weights"
        for name, loaded in report["loaded"].items():
            assert loaded["predict"] < 1e-6, f"{name} loaded on {backend}"
            assert "tsadlab.models._recurrent_layers" in loaded["classes"], name
    saved_everywhere = {name.split("_", 1)[0] for name in reports[BACKENDS[-1]]["loaded"]}
    assert saved_everywhere == set(BACKENDS)
    # the fast path each backend should take is the one that ran
    expected = {"jax": "_repeated_loop", "torch": "_torch_loop", "tensorflow": None}
    for backend, report in reports.items():
        wanted = expected[backend]
        ran = report["paths"]
        if wanted is None:
            assert ran == [], backend
        else:
            assert ran == [f"GRU.{wanted}", f"LSTM.{wanted}"], backend
