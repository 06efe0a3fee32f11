"""TensorBoard: Keras' own callback writes the loss curves under <run>/tensorboard; at the
end of a finished run, its settings and headline metrics go to TensorBoard's HParams plugin,
so that `tensorboard --logdir outputs` compares runs in its HParams tab.

Both need TensorFlow's summary writer (Keras' callback imports it on any backend).
"""

import json
import logging
from pathlib import Path
from typing import Any

from tsadlab.tracking.config import TensorBoardConfig
from tsadlab.tracking.record import flat_items, numeric_metrics, read_json, run_status

log = logging.getLogger(__name__)

FOLDER = "tensorboard"


class TensorBoardRunLogger:
    """A run's TensorBoard logs."""

    def __init__(self, options: TensorBoardConfig, settings: dict, run_dir: Path) -> None:
        self.options = options
        self.settings = settings
        self.run_dir = Path(run_dir)

    def begin(self, sha256: str | None = None, resumed_from: Path | None = None) -> None:
        """Nothing to open: the writers are Keras' and the end's."""

    def keras_callbacks(self) -> list:
        import keras

        return [keras.callbacks.TensorBoard(log_dir=str(self.run_dir / FOLDER))]

    def finish(self) -> None:
        """A finished run's settings and headline metrics, for the HParams tab."""
        if not self.options.hparams or run_status(self.run_dir) != "FINISHED":
            return
        metrics = headline_metrics(read_json(self.run_dir / "metrics.json"))
        try:
            write_hparams(self.run_dir / FOLDER, hparam_values(self.settings), metrics)
        except Exception as exc:  # a summary is never worth a run
            log.warning(
                "TensorBoard: the HParams summary of %s was not written (%s: %s)",
                self.run_dir,
                type(exc).__name__,
                exc,
            )


def hparam_values(settings: dict) -> dict[str, Any]:
    """The run's settings as HParams values: numbers, flags and text (lists as JSON)."""
    values = {}
    for key, value in flat_items({k: v for k, v in settings.items() if k != "logger"}).items():
        plain = isinstance(value, bool | int | float | str)
        values[key] = value if plain else json.dumps(value, default=str)
    return values


def headline_metrics(metrics: dict) -> dict[str, float]:
    """The numbers tsadlab-report leads with, those this run has."""
    from tsadlab.reporting.tables import headline

    numbers = numeric_metrics(metrics)
    keys = [key.removeprefix("metrics.") for key in headline()]
    return {key: numbers[key] for key in keys if key in numbers}


def write_hparams(folder: Path, values: dict[str, Any], metrics: dict[str, float]) -> None:
    """One HParams session in `folder`: the values and, at step 0, the metrics."""
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    writer = tf.summary.create_file_writer(str(folder))
    with writer.as_default():
        hp.hparams(values, trial_id=folder.parent.name)
        for key, value in metrics.items():
            tf.summary.scalar(key, value, step=0)
    writer.close()
