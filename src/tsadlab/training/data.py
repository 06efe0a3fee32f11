"""What a Keras fit takes: windows and their targets as arrays, or batches cut on the fly for
series whose windows would not fit in memory at once."""

from typing import Any

import numpy as np

from tsadlab.training.config import TrainerConfig

# Above this many bytes of float32 training windows, batches are cut from views on the fly.
STREAM_ABOVE_BYTES = 256 * 2**20


def fit_targets(x: np.ndarray, y: np.ndarray, sequence_output: bool = True) -> np.ndarray:
    """Targets shaped like the model output.

    For target `next`, y is the (m, d) row after each window. A model whose output is a
    sequence (the tutorial's) is fitted to that row at every output step: the tutorial passes
    it as is and Keras silently broadcasts it; broadcasting here says so openly and gives the
    same loss. A forecaster's output is the (m, d) row itself: y as it is.
    """
    if y.shape == x.shape or not sequence_output:
        return y
    return np.broadcast_to(y[:, None, :], x.shape)


def stream_windows(n_windows: int, window_shape: tuple, steps_per_epoch: int | None) -> bool:
    """Cut training batches from the window views on the fly (instead of one array of windows)
    when training is bounded by steps_per_epoch or the windows would take more than
    STREAM_ABOVE_BYTES as float32."""
    size = n_windows * int(np.prod(window_shape)) * 4
    return steps_per_epoch is not None or size > STREAM_ABOVE_BYTES


def training_data(
    x: np.ndarray,
    y: np.ndarray,
    at: int,
    trainer: TrainerConfig,
    seed: int,
    first_epoch: int,
    sequence_output: bool = True,
) -> tuple[Any, np.ndarray | None, Any]:
    """(windows, targets, validation pair) as arrays, or (batches, None, validation batches)
    when streaming (see `stream_windows`); validation is the windows from `at` on. Targets
    are shaped like the model's output (`sequence_output`: one row per step; see
    `fit_targets`)."""
    steps = trainer.steps_per_epoch
    if not stream_windows(len(x), x.shape[1:], steps):
        validation = None
        if at < len(x):
            validation = (
                np.ascontiguousarray(x[at:]),
                fit_targets(x[at:], y[at:], sequence_output),
            )
        return (
            np.ascontiguousarray(x[:at]),
            fit_targets(x[:at], y[:at], sequence_output),
            validation,
        )
    from tsadlab.training.batches import WindowBatches  # imports Keras

    batch = trainer.batch_size
    order = "sample" if steps is not None else "shuffle" if trainer.shuffle else "sequential"
    reconstruct = y is x  # the window is its own target: WindowBatches takes None

    def part(rows: slice) -> tuple[np.ndarray, np.ndarray | None]:
        return x[rows], None if reconstruct else y[rows]

    train = WindowBatches(
        *part(slice(None, at)), batch, order, steps, seed, first_epoch, sequence_output
    )
    validation = None
    if at < len(x):
        validation_order = "even" if steps else "sequential"
        validation = WindowBatches(
            *part(slice(at, None)), batch, validation_order, steps, stretch=sequence_output
        )
    return train, None, validation
