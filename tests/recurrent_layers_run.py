"""Run by tests/test_recurrent_layers.py in a fresh process per Keras backend: tsadlab's
LSTM/GRU against Keras' own on this backend (same weights, same predictions and training),
which fast path ran, then the models every earlier backend saved, loaded in safe mode."""

import json
import os
import sys
from pathlib import Path

os.environ["KERAS_BACKEND"] = sys.argv[1]

import keras
import numpy as np

from tsadlab.models import _recurrent_layers as ours
from tsadlab.models import load_keras_model

WINDOW = 6
paths_taken: list[str] = []


def spy(cls: type, method: str) -> None:
    original = getattr(cls, method)

    def recorded(self, *args, **kwargs):
        paths_taken.append(f"{cls.__name__}.{method}")
        return original(self, *args, **kwargs)

    setattr(cls, method, recorded)


def autoencoder(cell: str, tsadlab_layers: bool, bidirectional: bool) -> keras.Model:
    """Encoder -> RepeatVector -> decoder -> Dense, as the zoo's recurrent models are built."""
    layer = getattr(ours if tsadlab_layers else keras.layers, cell)
    repeated = {"repeated_input": True} if tsadlab_layers else {}
    encoder, decoder = layer(8), layer(8, return_sequences=True, **repeated)
    if bidirectional:
        encoder, decoder = keras.layers.Bidirectional(encoder), keras.layers.Bidirectional(decoder)
    model = keras.Sequential(
        [
            keras.Input((WINDOW, 2)),
            encoder,
            keras.layers.RepeatVector(WINDOW),
            decoder,
            keras.layers.TimeDistributed(keras.layers.Dense(2)),
        ]
    )
    model.compile("adam", "mae")
    return model


def main(backend: str, folder: str) -> None:
    for cls in (ours.LSTM, ours.GRU):
        spy(cls, "_torch_loop")
        spy(cls, "_repeated_loop")
    x = np.random.default_rng(0).normal(size=(32, WINDOW, 2)).astype("float32")
    report: dict = {"compared": {}, "loaded": {}}
    for cell in ("LSTM", "GRU"):
        for bidirectional in (False, True):
            name = f"{cell}_{'bi' if bidirectional else 'uni'}"
            keras.utils.set_random_seed(0)
            theirs = autoencoder(cell, False, bidirectional)
            mine = autoencoder(cell, True, bidirectional)
            mine.set_weights(theirs.get_weights())
            before = np.abs(theirs.predict(x, verbose=0) - mine.predict(x, verbose=0)).max()
            initial = mine.get_weights()[0]
            fit = {"epochs": 2, "batch_size": 8, "verbose": 0, "shuffle": False}
            loss_theirs = theirs.fit(x, x, **fit).history["loss"]
            loss_mine = mine.fit(x, x, **fit).history["loss"]
            weights = max(
                float(np.abs(a - b).max())
                for a, b in zip(theirs.get_weights(), mine.get_weights(), strict=True)
            )
            report["compared"][name] = {
                "predict": float(before),
                "loss": float(np.abs(np.subtract(loss_theirs, loss_mine)).max()),
                "weights": weights,
                "moved": float(np.abs(mine.get_weights()[0] - initial).max()),
            }
            mine.save(Path(folder) / f"{backend}_{name}.keras")
            np.save(Path(folder) / f"{backend}_{name}.npy", mine.predict(x, verbose=0))
    report["paths"] = sorted(set(paths_taken))
    for saved in sorted(Path(folder).glob("*.keras")):
        loaded = load_keras_model(saved)
        expected = np.load(saved.with_suffix(".npy"))
        report["loaded"][saved.stem] = {
            "predict": float(np.abs(loaded.predict(x, verbose=0) - expected).max()),
            "classes": sorted({type(layer).__module__ for layer in _layers(loaded)}),
        }
    print(json.dumps(report))


def _layers(model: keras.Model) -> list:
    found = []
    for layer in model.layers:
        found += (
            [layer.forward_layer, layer.backward_layer]
            if hasattr(layer, "forward_layer")
            else [layer]
        )
    return found


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
