"""The Keras backend, seeds and the software versions a run depends on."""

import importlib
import importlib.metadata
import importlib.util
import os
import platform
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from types import ModuleType

from tsadlab.errors import ConfigError, choice
from tsadlab.private_apis import tensorflow_hidden_from_keras


class Backend(Enum):
    """The Keras backends, by the package each needs; `auto` is resolved to one of them when
    the config is read (tsadlab.backend_choice)."""

    tensorflow = "tensorflow"
    jax = "jax"
    torch = "torch"
    auto = "auto"


REPORTED_PACKAGES = (
    "tsadlab",
    "keras",
    "tensorflow",
    "jax",
    "torch",
    "numpy",
    "pandas",
    "scikit-learn",
    "hydra-core",
    "omegaconf",
    "matplotlib",
    "seaborn",
    "plotly",
)


def load_keras(backend: Backend | str) -> ModuleType:
    """Import Keras on `backend`; Keras fixes its backend at first import, so check it."""
    backend = choice(Backend, backend, "backend").value
    if backend == "auto":
        from tsadlab.backend_choice import choose_backend

        backend = choose_backend("").backend
    if "keras" in sys.modules:
        keras = sys.modules["keras"]
        if keras.config.backend() != backend:
            raise ConfigError(
                f"Keras is already running on {keras.config.backend()} in this process; "
                f"backend={backend} needs a new process (or set KERAS_BACKEND={backend})"
            )
        return keras
    if importlib.util.find_spec(backend) is None:
        raise ConfigError(
            f"Received: backend={backend}, but {backend} is not installed "
            f"(pip install {backend}, or use backend=jax)"
        )
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if backend == "jax":
        cache_jax_compilations()
    return importlib.import_module("keras")


def jax_cache_dir() -> Path | None:
    """Where compiled JAX programs are kept between models and processes: $TSADLAB_JAX_CACHE,
    else ~/.cache/tsadlab/jax (under $XDG_CACHE_HOME when set); `off` turns it off."""
    chosen = os.environ.get("TSADLAB_JAX_CACHE")
    if chosen is not None:
        return None if chosen.lower() in ("", "off", "0", "none") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tsadlab" / "jax"


def cache_jax_compilations() -> None:
    """Use JAX's persistent compilation cache. Every run builds a fresh model, and XLA compiles
    its training and predict steps anew: 10-15 s per model for a window of 100 on a CPU, more
    than the training itself on a NAB series. Same-shaped models (every series of a category,
    every seed of a sweep, every rerun) then load the compiled program instead. The cache is
    keyed by the program and the JAX version, so it never changes a result."""
    folder = jax_cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # read-only home, full disk: compile every time rather than fail
        return
    import jax

    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def seed_everything(keras: ModuleType, seed: int) -> None:
    """Seed Python, numpy and the backend; make TensorFlow's kernels deterministic."""
    if not 0 <= seed < 2**32:
        raise ConfigError(f"Received: seed={seed} (must be in [0, 2**32))")
    if keras.config.backend() == "tensorflow":
        keras.utils.set_random_seed(seed)
    else:
        with tensorflow_hidden_from_keras():
            keras.utils.set_random_seed(seed)
    if keras.config.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that can change a run's numbers."""
    versions = {"python": platform.python_version()}
    for name in REPORTED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def git_commit(path: Path | None = None) -> str | None:
    """The project's git commit (with '+dirty' for local changes), or None outside git."""
    where = path or Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5
        )
        if commit.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


class Terminated(BaseException):
    """SIGTERM arrived (`kill`, a scheduler's time limit): stop like Ctrl-C, so that the run
    directory says so and the training state is kept for a resume."""


# Set by the SIGTERM handler. The handler also raises `Terminated`, but C code that Python
# calls may swallow an exception raised inside it (numpy's conversion of a JAX array does),
# so the stages and Keras callbacks check the flag too.
_terminated = threading.Event()


def _on_sigterm(signum: int, frame: object) -> None:
    _terminated.set()
    raise Terminated()


def raise_if_terminated() -> None:
    """Raise `Terminated` if SIGTERM arrived since the run started."""
    if _terminated.is_set():
        raise Terminated()


@contextmanager
def sigterm_stops_the_run() -> Iterator[None]:
    """Within the block, SIGTERM raises `Terminated` (only the main thread gets signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _terminated.clear()
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        _terminated.clear()  # a later run in this process starts afresh
