"""The two private library APIs tsadlab uses (`tsadlab/private_apis.py`): each test fails
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
