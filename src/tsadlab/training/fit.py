"""Building a fresh model and fitting it: a Keras model with the project's callbacks, a
detector once on the training windows. Returns the per-epoch history as a table."""

from typing import Any

import numpy as np
import pandas as pd

from tsadlab.data.windows import Windows
from tsadlab.errors import TrainingError
from tsadlab.models import ModelConfig, WindowDetector, build_model, uses_keras
from tsadlab.runtime import Backend, load_keras, seed_everything
from tsadlab.training.config import TrainerConfig
from tsadlab.training.data import training_data
from tsadlab.training.resume import TrainingBackup


def new_model(model: ModelConfig, window: int, n_features: int, seed: int, backend: Backend) -> Any:
    """The configured model, built on a fresh Keras session seeded with `seed` (a detector
    gets the seed as a parameter)."""
    if uses_keras(model):
        keras = load_keras(backend)
        # Runs in one process (sweeps, searches, notebooks) must not accumulate graphs.
        keras.backend.clear_session()
        seed_everything(keras, seed)
    return build_model(model, window, n_features, seed)


def fit(
    model: Any,
    windows: Windows,
    trainer: TrainerConfig,
    seed: int,
    callbacks: list | None = None,
    epochs: int | None = None,
    initial_epoch: int = 0,
    backup: TrainingBackup | None = None,
) -> pd.DataFrame:
    """Fit on the training windows, validating on their unshuffled tail, as configured.

    A detector is fitted once, on the windows before validation, and has no epochs.
    `callbacks` (a tuner's, the trackers'), `epochs` and `initial_epoch` let callers watch
    the fit and set its budget; a `backup` makes the training resumable.
    """
    x, y, at = windows.x_train, windows.y_train, windows.val_start
    if isinstance(model, WindowDetector):
        model.fit(x[:at])
        return pd.DataFrame({"epoch": pd.Series(dtype=int), "loss": pd.Series(dtype=float)})
    first_epoch = backup.initial_epoch if backup else initial_epoch
    train, targets, validation = training_data(
        x, y, at, trainer, seed, first_epoch, outputs_sequence(model)
    )
    return fit_keras(
        model,
        train,
        targets,
        validation,
        trainer,
        epochs=trainer.epochs if epochs is None else epochs,
        callbacks=callbacks,
        initial_epoch=initial_epoch,
        backup=backup,
    )


def outputs_sequence(model: Any) -> bool:
    """Whether a Keras model outputs a sequence of rows (an autoencoder, the tutorial's
    model) rather than one row per window (a forecaster)."""
    try:
        return len(model.output_shape) == 3
    except (AttributeError, ValueError):  # a subclassed model (USAD) reconstructs windows
        return True


def fit_keras(
    model: Any,
    x_train: Any,
    y_train: np.ndarray | None,
    validation: Any,
    trainer: TrainerConfig,
    epochs: int,
    callbacks: list | None = None,
    initial_epoch: int = 0,
    backup: TrainingBackup | None = None,
) -> pd.DataFrame:
    """Train with early stopping on val_loss (loss without validation); stop with a clear error
    if the loss becomes NaN or infinite, and with `Terminated` soon after SIGTERM.

    `x_train` is an array of windows with targets `y_train`, or a Keras PyDataset of
    (windows, targets) batches with `y_train` None (then `validation` is one too, and batch
    size and shuffling are the dataset's). With a `backup`, training resumes from its saved
    state and saves its own after every epoch.
    """
    import keras

    from tsadlab.training.callbacks import StopOnTerminate

    monitor = "val_loss" if validation is not None else "loss"
    earlier = backup.restore(model) if backup else pd.DataFrame()
    if backup and backup.training_done(epochs):
        # early stopping's end-of-training restore had not run yet when the state was saved
        restore = trainer.restore_best_weights and not backup.complete
        best = backup.best_weights() if restore else None
        if best:
            model.set_weights(best)
        return _history_table(earlier, 0)
    initial_epoch = backup.initial_epoch if backup else initial_epoch
    early_stopping = keras.callbacks.EarlyStopping(
        monitor=monitor,
        patience=trainer.patience,
        min_delta=trainer.min_delta,
        mode="min",
        restore_best_weights=trainer.restore_best_weights,
        verbose=1 if trainer.verbose else 0,
    )
    callbacks = [
        StopOnTerminate(),
        early_stopping,
        keras.callbacks.TerminateOnNaN(),
        # a model whose training depends on the epoch (USAD's loss weights) brings its own
        *(model.fit_callbacks() if callable(getattr(model, "fit_callbacks", None)) else []),
        *(callbacks or []),
    ]
    if trainer.lr_decay_every:
        callbacks.append(step_decay(trainer.lr_decay_every, trainer.lr_decay_factor))
    if backup:
        callbacks.append(backup.callback(early_stopping))
    batching = {}
    if y_train is not None:
        batching = {"batch_size": trainer.batch_size, "shuffle": trainer.shuffle}
    history = model.fit(
        x_train,
        y_train,
        validation_data=validation,
        epochs=epochs,
        initial_epoch=initial_epoch,
        callbacks=callbacks,
        verbose=trainer.verbose,
        **batching,
    )
    table = pd.concat([earlier, pd.DataFrame(history.history)], ignore_index=True)
    return _history_table(table, initial_epoch - len(earlier))


def step_decay(every: int, factor: float) -> Any:
    """Multiply the learning rate by `factor` at the start of every `every`-th epoch (epoch
    `every`, 2 * `every`, ...), as PyTorch's StepLR does; from the optimizer's current rate, so
    a resumed run (whose optimizer state is restored) goes on where it stopped."""
    import keras

    def schedule(epoch: int, rate: float) -> float:
        return rate * factor if epoch > 0 and epoch % every == 0 else rate

    return keras.callbacks.LearningRateScheduler(schedule)


def _history_table(table: pd.DataFrame, first_epoch: int) -> pd.DataFrame:
    """Per-epoch history with an `epoch` column counted from `first_epoch` + 1; checked finite."""
    table = table.copy()
    table.insert(0, "epoch", np.arange(first_epoch + 1, first_epoch + len(table) + 1))
    _check_finite(table)
    return table


def _check_finite(history: pd.DataFrame) -> None:
    for column in ("loss", "val_loss"):
        if column not in history:
            continue
        bad = ~np.isfinite(history[column].to_numpy(dtype=float))
        if bad.any():
            first = int(np.argmax(bad))
            raise TrainingError(
                f"training {column} became {history[column].iloc[first]} at epoch "
                f"{history['epoch'].iloc[first]}; usual causes: a learning rate too high "
                "(model.learning_rate), unscaled or huge inputs (data.scaler, data.transform), "
                "or inf values in the data"
            )
