"""Training batches cut from window views on the fly, for series whose windows would not fit
in memory as one (windows x window x features) array. This module imports Keras: import it
only after the backend is chosen (`runtime.load_keras`)."""

import keras
import numpy as np


class WindowBatches(keras.utils.PyDataset):
    """Batches of windows and their fit targets (`y`: the row after each window, or None to
    reconstruct the window) copied from read-only views, one batch at a time; `stretch`
    repeats a target row at every step, for a model whose output is a sequence.

    `order`: `sequential` (every window, in time order, as Keras' unshuffled fit), `shuffle`
    (every window, a new order each epoch) or `sample` (`steps` batches drawn afresh each epoch
    without replacement). A shuffled or sampled epoch's order depends only on the seed and the
    epoch number, so a resumed training sees the same batches. `even` takes a fixed, evenly
    spaced subset of `steps` batches (bounded validation).
    """

    ORDERS = ("sequential", "shuffle", "sample", "even")

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray | None,
        batch_size: int,
        order: str = "sequential",
        steps: int | None = None,
        seed: int = 0,
        first_epoch: int = 0,
        stretch: bool = True,
    ) -> None:
        super().__init__()
        if order not in self.ORDERS:
            raise ValueError(f"order={order} (must be one of {self.ORDERS})")
        self.x, self.y, self.batch_size = x, y, batch_size
        self.order, self.seed, self.epoch = order, seed, first_epoch
        self.stretch = stretch  # a sequence output: the target row at every step
        available = -(-len(x) // batch_size)
        self.steps = available if steps is None else max(1, min(steps, available))
        self._indices = self._epoch_indices()

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if self._indices is None:
            chosen = slice(index * self.batch_size, (index + 1) * self.batch_size)
        else:
            chosen = self._indices[index * self.batch_size : (index + 1) * self.batch_size]
        x = np.ascontiguousarray(self.x[chosen])
        if self.y is None:  # reconstruction: the window is its own target
            return x, x
        # target `next`: one row per window, spread over every output step when the model's
        # output is a sequence (see training.data.fit_targets)
        y = np.ascontiguousarray(self.y[chosen])
        return x, np.ascontiguousarray(
            np.broadcast_to(y[:, None, :], x.shape)
        ) if self.stretch else y

    def on_epoch_end(self) -> None:
        self.epoch += 1
        if self.order in ("shuffle", "sample"):
            self._indices = self._epoch_indices()

    def _epoch_indices(self) -> np.ndarray | None:
        n, wanted = len(self.x), self.steps * self.batch_size
        if self.order == "sequential":
            return None
        if self.order == "even":
            return np.unique(np.linspace(0, n - 1, min(n, wanted)).round().astype(np.int64))
        order = np.random.default_rng([self.seed, self.epoch]).permutation(n)
        # a sample keeps time order within the epoch's draw: neighbouring reads stay cheap
        return order if self.order == "shuffle" else np.sort(order[:wanted])
