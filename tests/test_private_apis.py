"""The three private library APIs tsadlab uses (`tsadlab/private_apis.py`): each test fails
loudly, naming the library, when a release moves what the adapter relies on."""

import subprocess
import sys


def test_keras_still_checks_for_tensorflow_through_one_lazy_handle():
    script = """
import os, sys
os.environ["KERAS_BACKEND"] = "jax"
import keras
from keras.src.utils import module_utils
handle = module_utils.tensorflow
assert hasattr(handle, "module") and hasattr(handle, "_available"), "Keras moved its handle"
from tsadlab.private_apis import tensorflow_hidden_from_keras
with tensorflow_hidden_from_keras():
    assert handle.available is False
    keras.utils.set_random_seed(0)  # a call that imports TensorFlow when it looks available
assert "tensorflow" not in sys.modules, "Keras imported TensorFlow past the adapter"
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, f"Keras changed: {done.stderr[-1500:]}"


def test_keras_tuner_still_writes_its_state_through_one_function(tmp_path):
    from keras_tuner import HyperParameters
    from keras_tuner.engine.trial import Trial
    from keras_tuner.src import utils

    from tsadlab.private_apis import atomic_keras_tuner_files

    written = []
    original = utils.save_json
    with atomic_keras_tuner_files(lambda path, text: written.append(path) or path.write_text(text)):
        Trial(hyperparameters=HyperParameters(), trial_id="00").save(str(tmp_path / "t.json"))
    assert written == [tmp_path / "t.json"], "KerasTuner no longer saves through utils.save_json"
    assert utils.save_json is original  # put back when the search ends


def test_tslearn_still_runs_k_shape_on_numba_kernels_that_can_cache():
    from tslearn.clustering import kshape
    from tslearn.metrics import cycc

    from tsadlab.private_apis import TSLEARN_KERNELS, cache_tslearn_kernels

    for name in TSLEARN_KERNELS:
        kernel = getattr(cycc, name, None)
        assert callable(getattr(kernel, "enable_caching", None)), f"tslearn moved {name}"
    for name in ("cdist_normalized_cc", "y_shifted_sbd_vec"):  # what k-Shape calls
        assert getattr(kshape, name) is getattr(cycc, name), f"k-Shape no longer calls {name}"
    from numba.core.caching import FunctionCache

    cache_tslearn_kernels()  # numba's NullCache until then
    assert all(isinstance(getattr(cycc, name)._cache, FunctionCache) for name in TSLEARN_KERNELS)
