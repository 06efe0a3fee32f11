"""AER, the auto-encoder with regression (Wong et al., "AER: Auto-Encoder with Regression for
Time Series Anomaly Detection", IEEE BigData 2022), as Orion 0.7.1 builds it
(`orion.primitives.aer.AER` with its primitive JSON's defaults).

Orion feeds a window of w rows and crops its first and last row off the input; a
bidirectional LSTM encodes the w - 2 rows, RepeatVector(w) and a bidirectional LSTM decode
them, and a Dense layer per step gives w steps: step 0 predicts the row before the cropped
input (the reverse regression), steps 1 .. w - 2 reconstruct it, step w - 1 predicts the row
after it (the forward regression). Here the model takes the whole window and crops it itself
(Cropping1D), so that it is fitted like any autoencoder (x = y = the window); its loss,
`AerLoss`, is the MSE of the three parts weighted reg_ratio / 2, 1 - reg_ratio,
reg_ratio / 2, which is Orion's three weighted outputs' loss as one.

Score it with `scoring.error=aer` (`tsadlab.scoring.aer`: Orion's score_anomalies). Orion's
training settings (35 epochs, batch 64, validation 0.2, early stopping with patience 10 and
min_delta 3e-4) are `trainer` keys: `experiment=nab_orion_aer` sets them. Deliberate
difference: with several channels every channel is reconstructed and predicted (Orion's
Dense has one unit, its target channel).
"""

from dataclasses import dataclass
from typing import Any

from tsadlab.data.windows import Target
from tsadlab.errors import ConfigError
from tsadlab.models import KerasModelConfig, register_model


@dataclass
class AerConfig(KerasModelConfig):
    """Orion's AER: crop the window's first and last row -> Bidirectional(LSTM(lstm_units)) ->
    RepeatVector(window) -> Bidirectional(LSTM(lstm_units)) -> TimeDistributed(Dense): the row
    before, the reconstruction, the row after; loss AER's weighted MSE (loss=aer); score with
    scoring.error=aer"""

    name: str = "aer"
    loss: str = "aer"  # AerLoss(reg_ratio); any Keras loss name trains unweighted instead
    lstm_units: int = 30
    reg_ratio: float = 0.5


def check_aer(cfg: AerConfig, window: int) -> None:
    """AER reconstructs its window, of at least 3 rows, with sensible sizes and weights."""
    if Target(cfg.target) is not Target.reconstruction:
        raise ConfigError(
            f"Received: model.target={Target(cfg.target).value} with model=aer (AER outputs "
            "its whole window, the rows before and after included: use "
            "model.target=reconstruction)"
        )
    if window < 3:
        raise ConfigError(
            f"Received: data.window={window} with model=aer (its input crops the first and "
            "last row: need >= 3)"
        )
    if cfg.lstm_units < 1:
        raise ConfigError(f"Received: model.lstm_units={cfg.lstm_units} (must be >= 1)")
    if not 0.0 <= cfg.reg_ratio <= 1.0:
        raise ConfigError(f"Received: model.reg_ratio={cfg.reg_ratio} (must be in [0, 1])")


@register_model(AerConfig)
def build_aer(cfg: AerConfig, window: int, n_features: int, seed: int) -> Any:
    """Orion's AER, compiled: (batch, window, n_features) in and out."""
    import keras

    from tsadlab.models._keras import AerLoss, compile_model
    from tsadlab.private_apis import tensorflow_hidden_from_keras

    check_aer(cfg, window)
    units = int(cfg.lstm_units)
    with tensorflow_hidden_from_keras():  # Bidirectional imports it to copy its layer
        model = aer_network(keras, window, n_features, units)
    loss = AerLoss(cfg.reg_ratio) if cfg.loss == "aer" else cfg.loss
    return compile_model(model, loss, cfg.optimizer, cfg.learning_rate)


def aer_network(keras: Any, window: int, n_features: int, units: int) -> Any:
    """Crop -> Bidirectional(LSTM) -> RepeatVector(window) -> Bidirectional(LSTM, sequences)
    -> TimeDistributed(Dense(n_features))."""
    from tsadlab.models._recurrent_layers import LSTM

    return keras.Sequential(
        [
            keras.Input(shape=(window, n_features), name="window"),
            keras.layers.Cropping1D((1, 1), name="crop"),
            keras.layers.Bidirectional(LSTM(units), merge_mode="concat", name="encoder"),
            keras.layers.RepeatVector(window, name="repeat"),
            keras.layers.Bidirectional(
                LSTM(units, return_sequences=True, repeated_input=True),
                merge_mode="concat",
                name="decoder",
            ),
            keras.layers.TimeDistributed(keras.layers.Dense(n_features), name="output"),
        ],
        name="aer",
    )
