"""A model and a metric from outside tsadlab, added through its public registration API only
(`TSADLAB_PLUGINS=tests/plugins/toy_components.py`): no file of tsadlab is touched."""

from dataclasses import dataclass

from tsadlab.metrics import Column, LabeledRows, register_metric
from tsadlab.models import KerasModelConfig, register_model


@dataclass
class ToyAeConfig(KerasModelConfig):
    """A one-layer dense autoencoder: flatten, a code of `units`, back to the window."""

    name: str = "toy_ae"
    units: int = 4


@register_model(ToyAeConfig)
def build_toy_ae(cfg: ToyAeConfig, window: int, n_features: int, seed: int):
    """The toy autoencoder, compiled with the configured loss and optimizer."""
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(window, n_features)),
            keras.layers.Flatten(),
            keras.layers.Dense(cfg.units, activation="relu"),
            keras.layers.Dense(window * n_features),
            keras.layers.Reshape((window, n_features)),
        ]
    )
    optimizer = keras.optimizers.get(
        {"class_name": cfg.optimizer, "config": {"learning_rate": cfg.learning_rate}}
    )
    model.compile(loss=cfg.loss, optimizer=optimizer)
    return model


@register_metric("flagged_share", Column(None, "flagged_share", "share of rows flagged"))
def flagged_share(rows: LabeledRows) -> float | None:
    """The share of evaluated rows that were flagged."""
    return float(rows.flags.mean()) if len(rows.flags) else None
