"""The three places tsadlab reaches into a library's private parts, each behind one small
adapter; `tests/test_private_apis.py` fails loudly if a library release moves them.

- Keras imports TensorFlow whenever it is installed, on any backend, just to check for
  TensorFlow objects (`set_random_seed`, `model.save`, `get_config`, `from_config`): about
  1 GB of memory and seconds of import for nothing a JAX process uses. There is no public
  switch, so `tensorflow_hidden_from_keras` makes Keras' lazy TensorFlow handle read as
  absent within a block.
- KerasTuner rewrites its oracle, tuner and trial files after every trial through one
  function, `keras_tuner.src.utils.save_json`, with a plain `open(..., "w")`: a kill mid-write
  leaves half a file that the next resume cannot read. `atomic_keras_tuner_files` routes it
  through an atomic write for the duration of a search only.
- tslearn's k-Shape runs on numba kernels compiled without `cache=True`: 20-40 s of
  compilation in every process that clusters (each series of a benchmark, each test worker).
  `cache_tslearn_kernels` turns on numba's on-disk cache for them (the dispatcher's
  `enable_caching`, what `cache=True` does at decoration), so a machine compiles them once.
"""

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def tensorflow_hidden_from_keras() -> Iterator[None]:
    """Within the block Keras sees TensorFlow as not installed (a no-op once TensorFlow is
    imported, as on the TensorFlow backend)."""
    from keras.src.utils import module_utils

    handle = module_utils.tensorflow
    if handle.module is not None:  # already imported: nothing to save
        yield
        return
    before = handle._available
    handle._available = False
    try:
        yield
    finally:
        handle._available = before


@contextmanager
def atomic_keras_tuner_files(write_text: Callable[[Path, str], Any]) -> Iterator[None]:
    """Within the block KerasTuner writes its state files with `write_text(path, text)` (an
    atomic write); remote paths such as gs:// still go to KerasTuner's own function."""
    from keras_tuner.src import utils

    original = utils.save_json

    def save_json(path: str, obj: Any) -> str:
        if "://" in str(path):
            return original(path, obj)
        text = json.dumps(obj)
        write_text(Path(path), text)
        return text

    utils.save_json = save_json
    try:
        yield
    finally:
        utils.save_json = original


# tslearn.metrics' numba kernels that k-Shape calls (tslearn 0.10)
TSLEARN_KERNELS = ("normalized_cc", "cdist_normalized_cc", "y_shifted_sbd_vec")


@functools.cache
def cache_tslearn_kernels() -> None:
    """Turn on numba's on-disk cache for tslearn's k-Shape kernels, before their first call in
    this process (next to tslearn's code, or numba's user cache where that is read-only)."""
    from tslearn.metrics import cycc

    for name in TSLEARN_KERNELS:
        getattr(cycc, name).enable_caching()
