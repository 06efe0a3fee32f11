"""The trackers of one run, as the run sees them: `begin` once its series is known,
Keras callbacks for its fit, `finish` after status.json says how it ended.

A tracker never decides a result and never fails a run: each one reports its own failure
in one warning line and leaves the run folder as it would be without it.
"""

import logging
from pathlib import Path
from typing import Any, Protocol

from tsadlab.config import RunConfig, settings_of
from tsadlab.tracking.config import TensorBoardConfig
from tsadlab.tracking.context import TrackingContext

log = logging.getLogger(__name__)


class RunLogger(Protocol):
    """What each tracker does for a run."""

    def begin(self, sha256: str | None = None, resumed_from: Path | None = None) -> None: ...

    def keras_callbacks(self) -> list: ...

    def finish(self) -> None: ...


class RunTracker:
    """Every tracker the run's `logger` config turns on (none: every call does nothing)."""

    def __init__(self, loggers: list[RunLogger] | None = None) -> None:
        self.loggers = list(loggers or [])

    @classmethod
    def for_run(
        cls, cfg: RunConfig, run_dir: Path, context: TrackingContext | None = None
    ) -> "RunTracker":
        """The trackers `cfg.logger` chooses; nothing is contacted until `begin`."""
        loggers: list[Any] = []
        chosen = cfg.logger
        tensorboard = chosen.tensorboard
        if tensorboard is None and cfg.trainer.tensorboard:
            log.warning(
                "trainer.tensorboard=true has moved to the logger group: use logger=tensorboard "
                "(several at once: logger=[tensorboard,mlflow]); this run logs to TensorBoard"
            )
            tensorboard = TensorBoardConfig()
        if not chosen.mlflow and not tensorboard:
            return cls()
        settings = settings_of(cfg)
        if chosen.mlflow is not None:
            from tsadlab.tracking.mlflow_run import MlflowRunLogger
            from tsadlab.tracking.mlflow_store import require_mlflow

            require_mlflow()
            loggers.append(
                MlflowRunLogger(chosen.mlflow, settings, run_dir, context or TrackingContext())
            )
        if tensorboard is not None:
            from tsadlab.tracking.tensorboard import TensorBoardRunLogger

            loggers.append(TensorBoardRunLogger(tensorboard, settings, run_dir))
        return cls(loggers)

    def begin(self, sha256: str | None = None, resumed_from: Path | None = None) -> None:
        """Start (or continue) the run in every tracker."""
        for logger in self.loggers:
            logger.begin(sha256, resumed_from)

    def keras_callbacks(self) -> list:
        """The callbacks that log a Keras fit as it goes."""
        return [callback for logger in self.loggers for callback in logger.keras_callbacks()]

    def finish(self) -> None:
        """Log what the run folder holds and how the run ended (status.json is written)."""
        for logger in self.loggers:
            logger.finish()
