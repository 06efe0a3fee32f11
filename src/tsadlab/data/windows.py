"""Sliding windows as numpy views, and the geometry that maps windows back to rows.

A window's *span* is the rows it is scored on: its `window` input rows, plus the following row
when the target is `next` (the tutorial's setup). Window i starts at row i * stride.
"""

from dataclasses import dataclass
from enum import Enum

import numpy as np

from tsadlab.data.prepare import PreparedSeries
from tsadlab.errors import ConfigError, DataError, choice


class Target(Enum):
    """What a window is fitted against: itself, or the row after it (the tutorial's)."""

    reconstruction = "reconstruction"
    next = "next"


def window_span(window: int, target: Target) -> int:
    """Rows a window covers: its inputs, plus the predicted row for target `next`."""
    return window + (1 if choice(Target, target, "model.target") is Target.next else 0)


def window_count(n_rows: int, span: int, stride: int = 1) -> int:
    """Number of whole spans of `span` rows, taken every `stride` rows, in `n_rows` rows."""
    return 0 if n_rows < span else (n_rows - span) // stride + 1


def sliding_windows(values: np.ndarray, window: int, stride: int = 1) -> np.ndarray:
    """Read-only (m, window, d) view of all windows of a (n, d) array, every `stride` rows."""
    check_window(window, stride)
    if values.ndim != 2:
        raise ConfigError(f"Received: values with shape {values.shape} (must be (n, d))")
    if len(values) < window:
        raise DataError(f"a series of {len(values)} rows has no window of {window} rows")
    # sliding_window_view puts the window axis last: (m, d, window) -> (m, window, d).
    view = np.lib.stride_tricks.sliding_window_view(values, window, axis=0)
    return view[::stride].transpose(0, 2, 1)


def model_windows(
    values: np.ndarray, window: int, target: Target, stride: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and fit targets: (x, x) for reconstruction; (x, next row) for `next`."""
    check_window(window, stride)
    span = window_span(window, target)
    count = window_count(len(values), span, stride)
    if count == 0:
        raise DataError(
            f"{len(values)} rows are fewer than one window span of {span} rows "
            f"(data.window={window}, model.target={Target(target).value}); use a smaller "
            "data.window or a longer series"
        )
    x = sliding_windows(values, window, stride)[:count]
    if Target(target) is Target.reconstruction:
        return x, x
    following = values[window::stride][:count]
    return x, following


def check_window(window: int, stride: int) -> None:
    """Reject window and stride values that cannot form windows."""
    if window < 2:
        raise ConfigError(f"Received: data.window={window} (must be >= 2)")
    if stride < 1:
        raise ConfigError(f"Received: data.stride={stride} (must be >= 1)")


def validation_split_at(n_windows: int, validation_split: float) -> int:
    """Index of the first validation window: Keras' own rule for `validation_split`."""
    if not 0.0 <= validation_split < 1.0:
        raise ConfigError(
            f"Received: trainer.validation_split={validation_split} (must be in [0, 1))"
        )
    split_at = int(np.floor(n_windows * (1.0 - validation_split)))
    if validation_split > 0 and not 0 < split_at < n_windows:
        raise DataError(
            f"{n_windows} training windows cannot be split by trainer.validation_split="
            f"{validation_split}; use a longer training part or another fraction"
        )
    return split_at


@dataclass(frozen=True)
class Windows:
    """Windows of the training and test parts, and where validation starts."""

    x_train: np.ndarray  # every window of the training period, validation included
    y_train: np.ndarray
    x_test: np.ndarray  # empty when the whole series is the training part
    val_start: int  # index of the first validation window (== len(x_train) if none)
    span: int
    stride: int
    y_test: np.ndarray | None = None  # the test windows' targets (forecast errors need them)


def make_windows(
    prepared: PreparedSeries,
    window: int,
    target: Target,
    stride: int,
    validation_split: float,
    tail_rows: int = 0,
) -> Windows:
    """Window the training and test parts separately, as the tutorial does; the last
    `tail_rows` rows of each part start no window and end none (Orion's windows stop one
    row early, where a forecast target would be: `data.tail_rows=1`)."""
    if tail_rows < 0:
        raise ConfigError(f"Received: data.tail_rows={tail_rows} (must be >= 0)")
    train = prepared.model_input[: prepared.n_train]
    test = prepared.model_input[prepared.n_train :]
    train, test = train[: len(train) - tail_rows], test[: max(len(test) - tail_rows, 0)]
    span = window_span(window, target)
    try:
        x_train, y_train = model_windows(train, window, target, stride)
        # no test part (train_fraction=1.0): an empty array of the same shape
        x_test, y_test = (
            model_windows(test, window, target, stride) if len(test) else (x_train[:0], y_train[:0])
        )
    except DataError as exc:
        part = "training" if len(train) < span else "test"
        raise DataError(f"{part} part: {exc}") from None
    split_at = validation_split_at(len(x_train), validation_split)
    return Windows(x_train, y_train, x_test, split_at, span, stride, y_test)


SPLIT_NAMES = ("train", "val", "test")


def row_splits(n_rows: int, n_train: int, windows: Windows) -> np.ndarray:
    """'train' / 'val' / 'test' per row; val rows start where the first validation window ends."""
    # one shared "test" object in every slot: np.full would make a string object per row
    split = np.empty(n_rows, dtype=object)
    split[:] = "test"
    split[:n_train] = "train"
    if windows.val_start < len(windows.x_train):
        split[windows.val_start * windows.stride + windows.span - 1 : n_train] = "val"
    return split
