"""The `trainer` config: how a model is fitted and how it scores."""

from dataclasses import dataclass

from tsadlab.errors import ConfigError


@dataclass
class TrainerConfig:
    """Keras fit: early stopping on val_loss; validation is the unshuffled tail of the
    training windows (Keras' validation_split rule)."""

    epochs: int = 50
    batch_size: int = 32
    shuffle: bool = False
    validation_split: float = 0.1
    patience: int = 3
    min_delta: float = 0.0
    restore_best_weights: bool = True
    # moved to the logger group (logger=tensorboard); true still turns it on, with a warning,
    # and run folders saved before the move still load
    tensorboard: bool = False
    predict_batch_size: int = 1024
    # Score with a copy of the model whose recurrent layers are unrolled when a run scores at
    # least this many windows (train and test): 2-3x the predict rate, after a longer compile
    # that only pays off on long series. null: never; 0: always.
    predict_unroll_from: int | None = 50000
    # null: every training window in every epoch. A number bounds an epoch to that many
    # batches, drawn afresh each epoch (seeded), and validation to as many evenly spaced
    # batches: for long series, whose windows are then cut on the fly, never held in memory.
    steps_per_epoch: int | None = None
    verbose: int = 2
    # Step decay of the learning rate: times lr_decay_factor every lr_decay_every epochs
    # (PyTorch's StepLR, which TSB-AD's deep detectors use with 5 and 0.75). null: constant.
    lr_decay_every: int | None = None
    lr_decay_factor: float = 0.75
    # After every epoch the training state is saved under resume_dir/<hash of config and
    # data>; the same command after a crash, Ctrl-C or SIGTERM resumes from the last epoch.
    # resume_dir is relative to where the command runs; the state is deleted when a run
    # finishes.
    resume: bool = True
    resume_dir: str | None = "outputs/.resume"

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.patience < 0:
            raise ConfigError(
                f"Received: trainer.epochs={self.epochs}, trainer.batch_size={self.batch_size}, "
                f"trainer.patience={self.patience} (need epochs >= 1, batch_size >= 1, "
                "patience >= 0)"
            )
        if not 0.0 <= self.validation_split < 1.0:
            raise ConfigError(
                f"Received: trainer.validation_split={self.validation_split} (must be in [0, 1))"
            )
        for key in ("predict_batch_size", "steps_per_epoch", "lr_decay_every"):
            if getattr(self, key) is not None and getattr(self, key) < 1:
                raise ConfigError(f"Received: trainer.{key}={getattr(self, key)} (must be >= 1)")
        if not 0.0 < self.lr_decay_factor <= 1.0:
            raise ConfigError(
                f"Received: trainer.lr_decay_factor={self.lr_decay_factor} (must be in (0, 1])"
            )
        if self.predict_unroll_from is not None and self.predict_unroll_from < 0:
            raise ConfigError(
                f"Received: trainer.predict_unroll_from={self.predict_unroll_from} (must be >= 0 "
                "windows, or null for never)"
            )
