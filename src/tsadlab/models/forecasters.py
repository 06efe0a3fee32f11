"""Forecasting detectors as TSB-AD runs them (Liu & Paparrizos, NeurIPS 2024): a network
reads a window and forecasts the row after it (`model.target=next`); a row's score is the
forecast's error (`scoring.error=forecast_mse`, TSB-AD's score, or `forecast_mae`).

- `lstm_forecaster`: TSB-AD's LSTMAD (`TSB_AD/models/LSTMAD.py`, after Malhotra et al.,
  ESANN 2015): a stacked LSTM encoder reads the window; a stacked LSTM decoder, started from
  the encoder's final states, takes one step from a zero input; GELU, then a linear layer
  gives the next row.
- `cnn_forecaster`: TSB-AD's CNN (`TSB_AD/models/CNN.py`, after Munir et al., DeepAnT, IEEE
  Access 2019): Conv1D(relu) + MaxPool(2) per entry of `filters`, the sequence pooled, then
  Dense(relu) -> Dropout -> Dense(n_features).

TSB-AD's settings are the defaults: learning rate 0.0008, MSE. Its training loop (batch
128, 50 epochs, early stopping with patience 3 on the last 20 % of the training part,
learning rate times 0.75 every 5 epochs) is `trainer` settings: `trainer.batch_size=128
trainer.epochs=50 trainer.patience=3 trainer.validation_split=0.2 trainer.lr_decay_every=5`.
Deliberate differences, all in the CNN:
- channels are channels: the reference reshapes (batch, window, channels) into (batch,
  channels, window) with `view`, which mixes time and channels when there is more than one;
- the pooled sequence is its average and its maximum, as the reference's
  `AdaptiveConcatPool1d` (fastai's) is meant to be; the reference pools the average twice;
- `filters` lists the convolutions' sizes ([32, 40]); the reference's `num_channel` list
  ([32, 32, 40]) runs one convolution fewer than its entries, of sizes num_channel[1:].
"""

from dataclasses import dataclass, field
from typing import Any

from tsadlab.data.windows import Target
from tsadlab.errors import ConfigError
from tsadlab.models import KerasModelConfig, check_dropout, check_sizes, register_model


@dataclass
class LstmForecasterConfig(KerasModelConfig):
    """Stacked LSTM encoder -> LSTM decoder from its states, one step -> GELU -> Dense: the
    next row (TSB-AD's LSTMAD); score with scoring.error=forecast_mse"""

    name: str = "lstm_forecaster"
    target: Target = Target.next
    loss: str = "mse"
    learning_rate: float = 0.0008
    units: int = 20
    layers: int = 2


@dataclass
class CnnForecasterConfig(KerasModelConfig):
    """Conv1D(relu) + MaxPool per filters entry -> average and max pooling -> Dense(relu) ->
    Dropout -> Dense: the next row (TSB-AD's CNN); score with scoring.error=forecast_mse"""

    name: str = "cnn_forecaster"
    target: Target = Target.next
    loss: str = "mse"
    learning_rate: float = 0.0008
    filters: list[int] = field(default_factory=lambda: [32, 40])
    kernel_size: int = 3
    dense_units: int = 40
    dropout: float = 0.25


def check_forecast_target(cfg: KerasModelConfig) -> None:
    """A forecaster is fitted to the row after each window."""
    if Target(cfg.target) is not Target.next:
        raise ConfigError(
            f"Received: model.target={Target(cfg.target).value} with model={cfg.name} (a "
            "forecaster predicts the row after the window: use model.target=next)"
        )


@register_model(LstmForecasterConfig)
def build_lstm_forecaster(
    cfg: LstmForecasterConfig, window: int, n_features: int, seed: int
) -> Any:
    """TSB-AD's LSTMAD, compiled: (batch, window, n_features) -> (batch, n_features)."""
    import keras

    from tsadlab.models._keras import ZeroStep, compile_model
    from tsadlab.models._recurrent_layers import LSTM

    check_forecast_target(cfg)
    if cfg.units < 1 or cfg.layers < 1:
        raise ConfigError(
            f"Received: model.units={cfg.units}, model.layers={cfg.layers} (both must be >= 1)"
        )
    inputs = keras.Input(shape=(window, n_features), name="window")
    x, states = inputs, []
    for i in range(cfg.layers):
        x, h, c = LSTM(
            cfg.units, return_sequences=True, return_state=True, name=f"encoder_lstm_{i}"
        )(x)
        states.append([h, c])
    y = ZeroStep(name="zero_input")(inputs)  # the decoder's one input step is zeros
    for i, state in enumerate(states):
        y = LSTM(cfg.units, return_sequences=True, name=f"decoder_lstm_{i}")(y, initial_state=state)
    y = keras.layers.Activation("gelu", name="gelu")(y)
    y = keras.layers.Dense(n_features, name="forecast")(y)
    outputs = keras.layers.Reshape((n_features,), name="next_row")(y)
    model = keras.Model(inputs, outputs, name="lstm_forecaster")
    return compile_model(model, cfg.loss, cfg.optimizer, cfg.learning_rate)


@register_model(CnnForecasterConfig)
def build_cnn_forecaster(cfg: CnnForecasterConfig, window: int, n_features: int, seed: int) -> Any:
    """TSB-AD's CNN forecaster, compiled: (batch, window, n_features) -> (batch, n_features)."""
    import keras

    from tsadlab.models._keras import compile_model

    check_forecast_target(cfg)
    sizes = check_sizes("filters", cfg.filters)
    check_dropout(cfg.dropout)
    if cfg.kernel_size < 1 or cfg.dense_units < 1:
        raise ConfigError(
            f"Received: model.kernel_size={cfg.kernel_size}, model.dense_units="
            f"{cfg.dense_units} (both must be >= 1)"
        )
    length = window
    for _ in sizes:  # each convolution takes kernel_size - 1 rows, each pooling half
        length = (length - cfg.kernel_size + 1) // 2
    if length < 1:
        raise ConfigError(
            f"Received: data.window={window} with model.filters={sizes} and model.kernel_size="
            f"{cfg.kernel_size} (the convolutions and poolings leave no step: use a longer "
            "window or fewer filters)"
        )
    inputs = keras.Input(shape=(window, n_features), name="window")
    x = inputs
    for i, size in enumerate(sizes):
        x = keras.layers.Conv1D(size, cfg.kernel_size, activation="relu", name=f"conv_{i}")(x)
        x = keras.layers.MaxPooling1D(2, name=f"pool_{i}")(x)
    pooled = keras.layers.Concatenate(name="avg_max")(
        [
            keras.layers.GlobalAveragePooling1D(name="avg")(x),
            keras.layers.GlobalMaxPooling1D(name="max")(x),
        ]
    )
    y = keras.layers.Dense(cfg.dense_units, activation="relu", name="dense")(pooled)
    y = keras.layers.Dropout(cfg.dropout, name="dropout")(y)
    outputs = keras.layers.Dense(n_features, name="next_row")(y)
    model = keras.Model(inputs, outputs, name="cnn_forecaster")
    return compile_model(model, cfg.loss, cfg.optimizer, cfg.learning_rate)
