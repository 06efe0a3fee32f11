"""Reconstruction errors of a trained model: predicted in bounded chunks, per window or per
row, as a table of part, window, start row and error."""

import logging
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from tsadlab.data.prepare import PreparedSeries
from tsadlab.data.windows import Windows
from tsadlab.errors import ConfigError
from tsadlab.models import WindowDetector
from tsadlab.private_apis import tensorflow_hidden_from_keras
from tsadlab.runtime import raise_if_terminated
from tsadlab.scoring import SCORING_ERRORS, ScoringError
from tsadlab.scoring.config import ScoringConfig
from tsadlab.training.config import TrainerConfig

log = logging.getLogger(__name__)

# Windows predicted per call when scoring (64k windows of 100 rows, one feature: 25 MB of
# windows and as much of reconstructions); row errors size their chunks by rows instead.
PREDICT_CHUNK_WINDOWS = 65536
# Keras' recurrent layers, by class name in a model config.
RECURRENT_LAYERS = ("LSTM", "GRU", "SimpleRNN")


def predict_errors(
    model: Any,
    windows: Windows,
    prepared: PreparedSeries,
    scoring: ScoringConfig,
    trainer: TrainerConfig,
) -> pd.DataFrame:
    """Reconstruction errors of each part as a table: part, window, start (row), error.

    A window error (mae, mse) is measured, as in the tutorial, against the input window for
    either target; a row error (`point`, Orion's) gives one error per row, with window =
    start = the row.
    """
    error = SCORING_ERRORS.get(scoring.error)
    self_scoring = scores_itself(model)
    check_scoring(model, scoring, windows)
    model = scoring_model(model, len(windows.x_train) + len(windows.x_test), trainer)
    parts = {
        "train": (windows.x_train, windows.y_train, prepared.model_input[: prepared.n_train]),
        "test": (windows.x_test, windows.y_test, prepared.model_input[prepared.n_train :]),
    }
    names, columns = [], {"window": [], "start": [], "error": []}
    for part, (x, y, values) in parts.items():
        if len(x) == 0:
            continue
        if isinstance(model, WindowDetector):
            errors = model.score_windows(x)
        elif self_scoring:
            errors = np.asarray(model.score_windows(x, trainer.predict_batch_size), np.float64)
        elif error.per_row:
            errors = predicted_row_errors(model, x, values, windows.stride, trainer, error)
        elif error.forecast:
            errors = predicted_window_errors(model, x, trainer.predict_batch_size, error, y)
        else:
            errors = predicted_window_errors(model, x, trainer.predict_batch_size, error)
        small = len(errors) * windows.stride < 2**31  # row numbers fit int32: half the memory
        index = np.arange(len(errors), dtype=np.int32 if small else np.int64)
        names.append((part, len(errors)))
        columns["window"].append(index)
        columns["start"].append(index if error.per_row else index * windows.stride)
        columns["error"].append(errors)
    # one table built once (a categorical part): a long series' errors are held only once
    part_codes = np.concatenate([np.full(n, i, dtype=np.int8) for i, (_, n) in enumerate(names)])
    table = {"part": pd.Categorical.from_codes(part_codes, [name for name, _ in names])}
    for key, arrays in columns.items():
        table[key] = np.concatenate(arrays)
        arrays.clear()
    return pd.DataFrame(table, copy=False)


def _chunk(batch: int, stride: int = 1) -> int:
    """Windows per predict call: about PREDICT_CHUNK_WINDOWS / stride (for row errors the
    rows a chunk covers are what is held), as a multiple of the batch, so that batches are
    the same as in one call over every window (and so are the numbers)."""
    return max(batch, PREDICT_CHUNK_WINDOWS // stride // batch * batch)


def predicted_window_errors(
    model: Any, x: np.ndarray, batch: int, error: ScoringError, y: np.ndarray | None = None
) -> np.ndarray:
    """Each window's error against its reconstruction (or, for a forecast error, the
    model's output against the targets `y`), predicted in chunks: only one chunk of windows
    and its predictions are ever held, whatever the length of the series."""
    if error.forecast and (y is None or y.ndim != 2):
        raise ConfigError(
            f"Received: scoring.error={error.name} with model.target=reconstruction (a "
            "forecast error compares the forecast with the next row: use model.target=next)"
        )
    chunk = _chunk(batch)
    errors = np.empty(len(x))
    for start in range(0, len(x), chunk):
        windows = np.ascontiguousarray(x[start : start + chunk])
        predicted = model.predict(windows, batch_size=batch, verbose=0)
        against = y[start : start + len(windows)] if error.forecast else windows
        if not error.forecast and predicted.shape != windows.shape:
            raise ConfigError(
                f"Received: scoring.error={error.name} with a model whose output per window "
                f"has shape {predicted.shape[1:]}, not the window's {windows.shape[1:]} (a "
                "forecaster: use scoring.error=forecast_mse or forecast_mae)"
            )
        errors[start : start + len(windows)] = error.compute(against, predicted)
        raise_if_terminated()
    return errors


def scoring_for(model: Any, scoring: ScoringConfig) -> ScoringConfig:
    """The scoring `model` is scored by. A model that scores windows its own way (a detector,
    USAD) has no reconstructions for a row error of them: the default run's `point` error
    does not apply to it, and its window scores are aligned as per-window errors (`mae`, which
    it ignores, is what its run folder then records). Any other error is left for
    `check_scoring` to judge."""
    recorded = self_scoring_record(scoring)
    if scores_itself(model) and recorded is not None:
        log.info("the model scores windows its own way: scoring.error=%s not used", scoring.error)
        return recorded
    return scoring


def self_scoring_record(scoring: ScoringConfig) -> ScoringConfig | None:
    """What `scoring_for` turns `scoring` into for a model that scores itself, or None when
    it leaves it as it is. A resumed collection uses it to recognise a finished series of
    such a model, whose config.yaml records `mae` where the command asked for `point`."""
    error = SCORING_ERRORS.get(scoring.error)
    if error.per_row and not error.forecast and not error.for_model:
        return replace(scoring, error="mae")
    return None


def check_scoring(
    model: Any, scoring: ScoringConfig, windows: Windows, name: str | None = None
) -> None:
    """Refuse, in one line and before any training, a scoring error the built model cannot
    be scored by: a forecast error without a forecasting target, a reconstruction error of a
    forecaster, a row error of a model that scores windows itself, an error written for
    another model's output, and a whole-part error (min-max scaled over the part it scores:
    AER's) on a run with a test part, whose scores would be scaled on the test part itself."""
    error = SCORING_ERRORS.get(scoring.error)
    if scores_itself(model):
        if error.per_row or error.forecast:
            raise ConfigError(
                f"Received: scoring.error={scoring.error} with a model that scores windows its "
                "own way (use a per-window error such as scoring.error=mae, which it ignores)"
            )
        return
    name = name or getattr(model, "name", None)  # the registered name (a Keras model's own)
    if error.for_model and name != error.for_model:
        raise ConfigError(
            f"Received: scoring.error={scoring.error} with model={name} (it reads the output "
            f"of model={error.for_model}: use that model, or scoring.error=mae)"
        )
    forecasts = len(getattr(model, "output_shape", ())) == 2  # one row per window
    if error.forecast and windows.y_train.shape == windows.x_train.shape:
        raise ConfigError(
            f"Received: scoring.error={error.name} with model.target=reconstruction (a "
            "forecast error compares the forecast with the next row: use model.target=next)"
        )
    if forecasts and not error.forecast:
        raise ConfigError(
            f"Received: scoring.error={error.name} with a model whose output is one row per "
            "window (a forecaster: use scoring.error=forecast_mse or forecast_mae)"
        )
    if error.whole_part and len(windows.x_test):
        raise ConfigError(
            f"Received: scoring.error={error.name} on a run with a test part (its scores are "
            "min-max scaled over the part they score, so a threshold fitted on training "
            "scores would judge test scores scaled on themselves: use protocol=orion or "
            "data.train_fraction=1.0)"
        )


def scores_itself(model: Any) -> bool:
    """Whether `model` scores windows its own way rather than by a `scoring.error` of its
    output: every WindowDetector, and a Keras model with a `score_windows(x, batch_size)`
    method giving one score per window (USAD: its two decoders' errors)."""
    return isinstance(model, WindowDetector) or callable(getattr(model, "score_windows", None))


def predicted_row_errors(
    model: Any,
    x: np.ndarray,
    values: np.ndarray,
    stride: int,
    trainer: TrainerConfig,
    error: ScoringError,
) -> np.ndarray:
    """Each row's error against every reconstruction of it, predicted in chunks: a row is
    scored once no later window covers it, so only a chunk of windows, the reconstructions
    still needed by later rows and their rows' stack are held. A whole-part error (EWMA,
    min-max over the part) is computed once, from the stack of every row of the part."""
    batch, w = trainer.predict_batch_size, x.shape[1]
    chunk = _chunk(batch, stride)  # rows x window x features floats are held per chunk
    if error.whole_part:
        predicted = []
        for start in range(0, len(x), chunk):
            windows = np.ascontiguousarray(x[start : start + chunk])
            predicted.append(model.predict(windows, batch_size=batch, verbose=0))
            raise_if_terminated()
        stack = row_stack(np.arange(len(x)), np.concatenate(predicted), stride, 0, len(values))
        return np.asarray(error.compute(values, stack), dtype=np.float64)
    errors = np.full(len(values), np.nan)
    kept_index, kept = np.empty(0, dtype=np.int64), x[:0].astype(np.float32)
    done = 0  # rows before this one are scored
    for start in range(0, len(x), chunk):
        stop = min(start + chunk, len(x))
        predicted = model.predict(np.ascontiguousarray(x[start:stop]), batch_size=batch, verbose=0)
        index = np.concatenate([kept_index, np.arange(start, stop)])
        reconstructions = np.concatenate([kept, predicted])
        finished = len(values) if stop == len(x) else stop * stride
        stack = row_stack(index, reconstructions, stride, done, finished)
        errors[done:finished] = error.compute(values[done:finished], stack)
        still_needed = index * stride + w > finished
        kept_index, kept = index[still_needed], reconstructions[still_needed]
        done = finished
        raise_if_terminated()
    return errors


def row_stack(
    index: np.ndarray, reconstructions: np.ndarray, stride: int, first: int, stop: int
) -> np.ndarray:
    """(stop - first, w, d) reconstructions of rows first..stop-1 by the windows `index`: entry
    [i, j] is row first+i as step j of the window that starts at it minus j (NaN: none)."""
    _, w, d = reconstructions.shape
    stack = np.full((stop - first, w, d), np.nan)
    rows = index[:, None] * stride + np.arange(w)[None, :] - first
    steps = np.broadcast_to(np.arange(w)[None, :], rows.shape)
    inside = (rows >= 0) & (rows < stop - first)
    stack[rows[inside], steps[inside]] = reconstructions[inside]
    return stack


def scoring_model(model: Any, n_windows: int, trainer: TrainerConfig) -> Any:
    """The model that scores `n_windows`: an unrolled copy of a recurrent one from
    trainer.predict_unroll_from windows on (the same numbers, faster for many windows)."""
    threshold = trainer.predict_unroll_from
    if isinstance(model, WindowDetector) or threshold is None or n_windows < threshold:
        return model
    unrolled = unrolled_copy(model)
    if unrolled is None:
        return model
    log.info("scoring %d windows with unrolled recurrent layers", n_windows)
    return unrolled


def unrolled_copy(model: Any) -> Any:
    """A copy of `model` with its recurrent layers unrolled and its weights, for inference;
    None when it has no recurrent layer to unroll.

    A rolled layer runs its steps as a loop (a scan on JAX); unrolled, XLA compiles every
    step into one program and fuses across them. That predicts 2-2.5x faster on CPU with the
    tutorial's model on JAX (experiments/benchmarks), the same numbers, but compiles longer,
    and trains far slower: so it is for scoring many windows only.
    """
    with tensorflow_hidden_from_keras():  # Keras' (de)serialization imports it, on any backend
        config = model.get_config()
        if not _unroll(config):
            return None
        copy = model.__class__.from_config(config)
    copy.set_weights(model.get_weights())
    return copy


def _unroll(config: object) -> bool:
    """Set unroll=True on every rolled recurrent layer in a (nested) model config; whether
    any was found."""
    found = False
    if isinstance(config, dict):
        if config.get("class_name") in RECURRENT_LAYERS and not config["config"].get("unroll"):
            config["config"]["unroll"] = True
            found = True
        for value in config.values():
            found = _unroll(value) or found
    elif isinstance(config, list):
        for value in config:
            found = _unroll(value) or found
    return found
