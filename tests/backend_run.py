"""Helper for test_backends.py, run in a fresh process per Keras backend: trains the default
model (no dropout) from given initial weights on given windows, and saves what it learned.

python tests/backend_run.py BACKEND IN.npz OUT.npz
"""

import sys

import numpy as np

from tsadlab.cli.common import compose_config
from tsadlab.config import to_run_config
from tsadlab.scoring import SCORING_ERRORS
from tsadlab.scoring.predict import predicted_window_errors
from tsadlab.training.config import TrainerConfig
from tsadlab.training.fit import fit_keras, new_model


def main(backend: str, given: str, out: str) -> None:
    data = np.load(given)
    cfg = to_run_config(
        compose_config(
            [
                f"backend={backend}",
                "model.dropout=0.0",
                "model.encoder_units=[16]",
                "model.decoder_units=[16]",
                "data.window=20",
            ]
        )
    )
    model = new_model(cfg.model, cfg.data.window, 1, cfg.seed, cfg.backend)
    model.set_weights([data[f"w{i}"] for i in range(len(model.get_weights()))])
    x = data["x"]
    trainer = TrainerConfig(epochs=2, batch_size=32, patience=2, verbose=0)
    history = fit_keras(model, x, x, None, trainer, epochs=2)
    errors = predicted_window_errors(model, x, 64, SCORING_ERRORS.get("mae"))
    weights = {f"arr_{i}": w for i, w in enumerate(model.get_weights())}
    np.savez(out, loss=history["loss"].to_numpy(), errors=errors, **weights)


if __name__ == "__main__":
    main(*sys.argv[1:])
