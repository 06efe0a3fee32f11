"""An ensemble of any registered detectors and window-scoring Keras models: each member is
fitted on the training windows, its scores are normalised by its own training scores, and
the normalised scores are averaged (or their maximum taken).

Normalisations, both fitted on the member's training-window scores only, so that nothing
about the scored part decides a member's weight:
- `rank`: the share of training scores at or below a score (the empirical CDF, in [0, 1]),
  the rank normalisation of Aggarwal & Sathe's outlier ensembles (SIGKDD Explorations 2015);
- `robust_z`: (score - median) / (MAD scaled to a normal standard deviation), the z-score
  that the outliers being looked for do not inflate.

A Keras member is trained inside the ensemble by tsadlab's own training (`epochs`,
`batch_size`, `patience`: early stopping on the last tenth of the training windows; not
resumable) and scores a window by its mean absolute reconstruction error, or by its own score
(`score_windows`, USAD). Forecasters, per-row errors and Orion-style scores need their own
targets and are refused in one line. The ensemble is a detector: its run folder holds
`detector.json`; the same config and seed refit it. Its window score goes to the window's
centre row (`scoring.alignment=auto`: `centre`, as TSB-AD aligns most of the subsequence
detectors it combines; the members' own alignments cannot apply to one combined score).
"""

from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any

import numpy as np
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException
from scipy import stats

from tsadlab.data.windows import Target
from tsadlab.errors import ConfigError, choice
from tsadlab.models import MODELS, DetectorConfig, WindowDetector, build_model, register_model


class Normalisation(Enum):
    """How a member's scores are made comparable: empirical CDF, or robust z-score."""

    rank = "rank"
    robust_z = "robust_z"


class Combination(Enum):
    """How the members' normalised scores become one: their mean, or their maximum."""

    mean = "mean"
    max = "max"


@dataclass
class EnsembleConfig(DetectorConfig):
    """Members' scores, each normalised by its training scores (rank or robust z), then
    averaged or maxed; members are registered detectors or window-scoring Keras models"""

    name: str = "ensemble"
    members: list[str] = field(default_factory=lambda: ["sub_pca", "isolation_forest"])
    # per member, its model keys (its defaults otherwise); on the command line, with ++:
    # ++model.member_params.sub_pca={n_components:5}
    member_params: dict[str, Any] = field(default_factory=dict)
    normalisation: Normalisation = Normalisation.rank
    combination: Combination = Combination.mean
    # Keras members' training
    epochs: int = 20
    batch_size: int = 64
    patience: int = 3


class ScoreNormaliser:
    """A member's training scores, kept to normalise later scores by them."""

    def __init__(self, kind: Normalisation, training_scores: np.ndarray) -> None:
        self.kind = kind
        finite = np.sort(training_scores[np.isfinite(training_scores)])
        if len(finite) == 0:
            raise ConfigError("an ensemble member gave no finite score on the training windows")
        self.sorted = finite
        self.median = float(np.median(finite))
        mad = float(stats.median_abs_deviation(finite, scale="normal"))
        # all training scores alike: the standard deviation, then any positive scale
        self.scale = mad or float(finite.std()) or 1.0

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        if self.kind is Normalisation.rank:
            return np.searchsorted(self.sorted, scores, side="right") / len(self.sorted)
        return (scores - self.median) / self.scale


class EnsembleDetector(WindowDetector):
    """Fits every member on the training windows, then scores by the combined normalised
    member scores."""

    def __init__(
        self,
        members: list[str],
        member_params: dict[str, Any],
        normalisation: str,
        combination: str,
        epochs: int,
        batch_size: int,
        patience: int,
        window: int,
        n_features: int,
        seed: int,
    ) -> None:
        self.members = members
        self.member_params = member_params
        self.normalisation = normalisation
        self.combination = combination
        self.epochs = epochs
        self.batch_size = batch_size
        self.patience = patience
        self.window = window
        self.n_features = n_features
        self.seed = seed

    def fit(self, windows: np.ndarray) -> "EnsembleDetector":
        kind = choice(Normalisation, self.normalisation, "model.normalisation")
        self.fitted_, self.normalisers_ = [], []
        for name in self.members:
            member = build_model(member_config(name, self.member_params), *self._shape())
            if isinstance(member, WindowDetector):
                member.fit(windows)
            else:
                self._train(member, windows)
            self.fitted_.append(member)
            self.normalisers_.append(ScoreNormaliser(kind, self._member_scores(member, windows)))
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        normalised = np.stack(
            [
                normalise(self._member_scores(member, windows))
                for member, normalise in zip(self.fitted_, self.normalisers_, strict=True)
            ]
        )
        if choice(Combination, self.combination, "model.combination") is Combination.max:
            return normalised.max(axis=0)
        return normalised.mean(axis=0)

    def _shape(self) -> tuple[int, int, int]:
        return self.window, self.n_features, self.seed

    def _train(self, model: Any, windows: np.ndarray) -> None:
        """tsadlab's own training (its stop, NaN and epoch callbacks, streaming for long
        series), early-stopped on the last tenth of the windows; not resumable."""
        from tsadlab.data.windows import Windows, validation_split_at
        from tsadlab.training.config import TrainerConfig
        from tsadlab.training.fit import fit

        held_out = 0.1 if len(windows) >= 10 else 0.0
        trainer = TrainerConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            patience=self.patience,
            validation_split=held_out,
            verbose=0,
            resume=False,
        )
        at = validation_split_at(len(windows), held_out)
        own = Windows(windows, windows, windows[:0], at, windows.shape[1], 1)
        fit(model, own, trainer, self.seed)

    def _member_scores(self, member: Any, windows: np.ndarray) -> np.ndarray:
        if isinstance(member, WindowDetector):
            return np.asarray(member.score_windows(windows), dtype=np.float64)
        if callable(getattr(member, "score_windows", None)):
            return np.asarray(member.score_windows(windows, self.batch_size), dtype=np.float64)
        x = np.asarray(windows, dtype=np.float32)
        reconstruction = member.predict(x, batch_size=1024, verbose=0)
        return np.abs(reconstruction.astype(np.float64) - x).mean(axis=(1, 2))


def member_config(name: str, member_params: dict[str, Any]) -> Any:
    """The member `name`'s config: its schema with its keys from `member_params`."""
    if name == "ensemble":
        raise ConfigError("Received: model.members with ensemble (an ensemble cannot nest)")
    spec = MODELS.get(name)  # one line naming the registered models
    params = dict(member_params.get(name) or {})
    unknown = sorted(set(params) - {f.name for f in fields(spec.schema)})
    if unknown:
        raise ConfigError(
            f"Received: model.member_params.{name}={params} (keys of model={name} only; "
            f"not {', '.join(unknown)})"
        )
    try:  # typed and checked as a top-level model config is
        cfg = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(spec.schema), params))
    except OmegaConfBaseException as exc:
        reason = str(exc).splitlines()[0]
        raise ConfigError(f"Received: model.member_params.{name}={params} ({reason})") from None
    if spec.keras and Target(cfg.target) is not Target.reconstruction:
        raise ConfigError(
            f"Received: model.members with {name}, which forecasts (an ensemble member scores "
            "windows: use detectors and reconstruction models)"
        )
    return cfg


# it draws nothing itself: whether its scores depend on the seed is its members' (uses_seed)
@register_model(EnsembleConfig, seeded=False, alignment="centre")
def build_ensemble(cfg: EnsembleConfig, window: int, n_features: int, seed: int) -> Any:
    """The ensemble of `cfg.members`, each checked now: a bad member is one line before any
    member is fitted."""
    if not cfg.members:
        raise ConfigError("Received: model.members=[] (name at least one registered model)")
    if len(set(cfg.members)) != len(cfg.members):
        raise ConfigError(f"Received: model.members={list(cfg.members)} (each at most once)")
    unknown = set(cfg.member_params) - set(cfg.members)
    if unknown:
        raise ConfigError(
            f"Received: model.member_params for {sorted(unknown)}, not in model.members"
        )
    params = {k: dict(v or {}) for k, v in cfg.member_params.items()}
    for name in cfg.members:
        member_config(name, params)
    if cfg.epochs < 1 or cfg.batch_size < 1 or cfg.patience < 0:
        raise ConfigError(
            f"Received: model.epochs={cfg.epochs}, model.batch_size={cfg.batch_size}, "
            f"model.patience={cfg.patience} (need >= 1, >= 1, >= 0)"
        )
    return EnsembleDetector(
        list(cfg.members),
        params,
        choice(Normalisation, cfg.normalisation, "model.normalisation").value,
        choice(Combination, cfg.combination, "model.combination").value,
        cfg.epochs,
        cfg.batch_size,
        cfg.patience,
        window,
        n_features,
        seed,
    )
