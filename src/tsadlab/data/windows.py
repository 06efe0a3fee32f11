"""Sliding windows as numpy views, and the geometry that maps windows back to rows.

A window's *span* is the rows it is scored on: its `window` input rows, plus the following row
when the target is `next` (the tutorial's setup). Window i starts at row i * stride.
"""

import numpy as np

from tsadlab.errors import ConfigError, DataError

TARGETS = ("reconstruction", "next")


def window_span(window: int, target: str) -> int:
    """Rows a window covers: its inputs, plus the predicted row for target `next`."""
    if target not in TARGETS:
        raise ConfigError(f"Received: model.target={target} (must be one of {TARGETS})")
    return window + (1 if target == "next" else 0)


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
    values: np.ndarray, window: int, target: str, stride: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and fit targets: (x, x) for reconstruction; (x, next row) for `next`."""
    check_window(window, stride)
    span = window_span(window, target)
    count = window_count(len(values), span, stride)
    if count == 0:
        raise DataError(
            f"{len(values)} rows are fewer than one window span of {span} rows "
            f"(data.window={window}, model.target={target}); use a smaller data.window or "
            "a longer series"
        )
    x = sliding_windows(values, window, stride)[:count]
    if target == "reconstruction":
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
