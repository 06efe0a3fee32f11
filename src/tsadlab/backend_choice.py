"""`backend=auto`: the Keras backend that trains this kind of model fastest on this hardware,
read from the table that experiments/benchmarks writes (`backend_speed.json` beside this
module), among the backends installed.

The table ranks backends per hardware (`cpu`, `gpu`) and model family (`recurrent`: the LSTM
and GRU models; anything else falls back to the `default` ranking); it says where its
numbers came from. Two things outrank it, because a process cannot switch backends: a
`KERAS_BACKEND` set in the environment (Keras' own way to choose), and a Keras already
imported in this process. An explicit `backend=` is never changed.
"""

import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from tsadlab.errors import ConfigError

TABLE = Path(__file__).with_name("backend_speed.json")
# without a measurement for the family: JAX, the fastest Keras backend the first CPU
# benchmark measured (experiments/benchmarks), then the others
FALLBACK_RANKING = ("jax", "torch", "tensorflow")
KERAS_BACKENDS = frozenset(FALLBACK_RANKING)
# the models built from recurrent layers (tsadlab.models._recurrent_layers): a new one
# belongs here for auto to rank it as the benchmark measured its kind
RECURRENT_MODELS = frozenset({"lstm_ae", "gru_ae", "lstm_vae", "aer", "lstm_dt", "lstm_forecaster"})


@dataclass(frozen=True)
class BackendChoice:
    """What `auto` resolved to, and why (recorded in metrics.json)."""

    backend: str
    reason: str

    def as_dict(self) -> dict:
        return {"requested": "auto", "backend": self.backend, "reason": self.reason}


def hardware() -> str:
    """`gpu` when an NVIDIA driver reports a GPU, else `cpu` (no framework is imported)."""
    gpus = Path("/proc/driver/nvidia/gpus")
    return "gpu" if gpus.is_dir() and any(gpus.iterdir()) else "cpu"


def model_family(model_name: str) -> str:
    return "recurrent" if model_name in RECURRENT_MODELS else "default"


def speed_table(path: Path = TABLE) -> dict:
    """The benchmark's ranking table; a missing file is an empty table."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); restore it from git") from None


def installed(backend: str) -> bool:
    return importlib.util.find_spec(backend) is not None


def choose_backend(model_name: str, table: dict | None = None) -> BackendChoice:
    """The backend `auto` means for `model_name` in this process."""
    if "keras" in sys.modules:
        running = sys.modules["keras"].config.backend()
        return BackendChoice(running, f"Keras already runs on {running} in this process")
    chosen = os.environ.get("KERAS_BACKEND")
    if chosen:
        if chosen not in KERAS_BACKENDS:
            raise ConfigError(
                f"backend=auto: KERAS_BACKEND={chosen} is not a backend tsadlab runs on "
                f"({', '.join(KERAS_BACKENDS)}); unset it or set backend= explicitly"
            )
        return BackendChoice(chosen, f"KERAS_BACKEND={chosen} is set")
    table = speed_table() if table is None else table
    where, family = hardware(), model_family(model_name)
    entry = table.get(where, {}).get(family)
    ranking = entry["ranking"] if entry else list(FALLBACK_RANKING)
    for backend in ranking:
        if installed(backend):
            source = (
                f"fastest installed for {family} models on {where} in {TABLE.name} "
                f"({entry['measured']})"
                if entry
                else f"no {where} measurement for {family} models: the default order"
            )
            return BackendChoice(backend, source)
    raise ConfigError(
        f"backend=auto: none of {', '.join(ranking)} is installed (pip install jax, or set "
        "backend=<installed backend>)"
    )
