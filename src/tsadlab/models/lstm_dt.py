"""LSTM-DT (Hundman et al., "Detecting Spacecraft Anomalies Using LSTMs and Nonparametric
Dynamic Thresholding", KDD 2018), as Orion 0.7.1's `lstm_dynamic_threshold` pipeline runs
it: ml-stars' `keras.Sequential.LSTMTimeSeriesRegressor` reads a window of 250 rows and
forecasts the row after it (`model.target=next`, the default here; `reconstruction` is
refused in one line: a forecaster has no window to reconstruct).

The primitive JSON's defaults: LSTM(80, return_sequences) -> Dropout(0.3) -> LSTM(80) ->
Dropout(0.3) -> Dense(linear), MSE, Adam (learning rate 0.001). Its training settings (35
epochs, batch 64, validation 0.2, early stopping with patience 10 and min_delta 3e-4) and
Orion's scoring (absolute forecast error, EWMA over 1 % of the windows, then
find_anomalies' windowed mean + 4 std) are `trainer`, `scoring` and `threshold` keys:
`experiment=nab_orion_lstm_dt` sets them. Deliberate difference: with several channels every
channel is forecast (Orion's Dense has one unit, its target channel) and the error is the
mean over them.
"""

from dataclasses import dataclass, field
from typing import Any

from tsadlab.data.windows import Target
from tsadlab.models import KerasModelConfig, check_dropout, check_sizes, register_model
from tsadlab.models.forecasters import check_forecast_target


@dataclass
class LstmDtConfig(KerasModelConfig):
    """Orion's LSTM-DT regressor (telemanom): LSTM(80) -> Dropout(0.3) -> LSTM(80) ->
    Dropout(0.3) -> Dense: the next row; score with scoring.error=forecast_mae"""

    name: str = "lstm_dt"
    target: Target = Target.next
    loss: str = "mse"
    units: list[int] = field(default_factory=lambda: [80, 80])
    dropout: float = 0.3


@register_model(LstmDtConfig)
def build_lstm_dt(cfg: LstmDtConfig, window: int, n_features: int, seed: int) -> Any:
    """Orion's LSTMTimeSeriesRegressor, compiled: (batch, window, n_features) ->
    (batch, n_features); one LSTM per `units` entry, each followed by the dropout."""
    import keras

    from tsadlab.models._keras import compile_model
    from tsadlab.models._recurrent_layers import LSTM

    check_forecast_target(cfg)
    units = check_sizes("units", cfg.units)
    check_dropout(cfg.dropout)
    layers: list[Any] = [keras.Input(shape=(window, n_features), name="window")]
    for i, size in enumerate(units):
        last = i == len(units) - 1
        layers += [
            LSTM(size, return_sequences=not last, name=f"lstm_{i}"),
            keras.layers.Dropout(cfg.dropout, name=f"dropout_{i}"),
        ]
    layers.append(keras.layers.Dense(n_features, name="next_row"))
    model = keras.Sequential(layers, name="lstm_dt")
    return compile_model(model, cfg.loss, cfg.optimizer, cfg.learning_rate)
