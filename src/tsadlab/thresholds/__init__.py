"""Threshold strategies: the registry, the `threshold` config, and `make_threshold`.

A strategy is a class in scikit-learn's estimator style (see `base.ThresholdStrategy`) in one
module of this package (or a plugin), registered under its config name:

    @register_threshold("quantile")
    class QuantileThreshold(ThresholdStrategy):
        def __init__(self, q: float = 0.99): ...

Its schema is made from its `__init__` signature (the keyword defaults are the config
defaults, kept in one place), so `threshold=quantile threshold.q=0.995` needs no YAML file.
"""

import dataclasses
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from omegaconf import MISSING

from tsadlab.errors import ConfigError
from tsadlab.registry import Kind, Registry
from tsadlab.thresholds.base import ThresholdStrategy


class FitOn(Enum):
    """The scores a strategy is fitted on: the training period's, or validation's only."""

    train = "train"
    val = "val"


@dataclass
class ThresholdConfig:
    """Keys every strategy has; each strategy's schema adds its `__init__` parameters."""

    name: str = MISSING
    fit_on: FitOn = FitOn.train

    def __post_init__(self) -> None:
        # a bad parameter must not cost a training: checked when the config is made
        make_threshold(self).check_params()


THRESHOLDS: Registry[type[ThresholdStrategy]] = Registry(
    Kind("threshold strategy", "threshold.name", "threshold", "tsadlab.thresholds")
)


def register_threshold(name: str) -> Callable[[type], type]:
    """Register the decorated strategy class under `name`, with a schema made from its
    `__init__` parameters."""

    def decorate(cls: type) -> type:
        cls.name = name
        cls.schema = threshold_schema(cls, name)
        THRESHOLDS.add(cls, cls.schema)
        return cls

    return decorate


def threshold_schema(cls: type, name: str) -> type:
    """A ThresholdConfig subclass with one field per `__init__` parameter of `cls`."""
    fields = [("name", str, dataclasses.field(default=name))]
    for parameter in inspect.signature(cls.__init__).parameters.values():
        if parameter.name == "self" or parameter.kind in (
            parameter.VAR_POSITIONAL,
            parameter.VAR_KEYWORD,
        ):
            continue
        if parameter.default is inspect.Parameter.empty:
            raise TypeError(f"{cls.__name__}.__init__({parameter.name}) needs a default")
        fields.append((parameter.name, parameter.annotation, parameter.default))
    schema = dataclasses.make_dataclass(f"{cls.__name__}Config", fields, bases=(ThresholdConfig,))
    schema.__module__, schema.__doc__ = cls.__module__, cls.__doc__
    # a module attribute, so that pickle (a joblib or SLURM job's config) finds the class
    setattr(sys.modules[cls.__module__], schema.__name__, schema)
    return schema


def threshold_params(threshold: ThresholdConfig) -> dict:
    """The strategy's own parameters: the threshold config without `name` and `fit_on`."""
    return {
        f.name: getattr(threshold, f.name)
        for f in dataclasses.fields(threshold)
        if f.name not in ("name", "fit_on")
    }


def make_threshold(threshold: ThresholdConfig) -> ThresholdStrategy:
    """A new, unfitted strategy as configured."""
    strategy = THRESHOLDS.get(threshold.name)
    if not isinstance(threshold, strategy.schema):
        raise ConfigError(
            f"Received: threshold.name={threshold.name} with the keys of "
            f"{type(threshold).__name__} (choose the strategy as a group: "
            f"threshold={threshold.name})"
        )
    return strategy(**threshold_params(threshold))


def is_oracle(threshold: ThresholdConfig) -> bool:
    """Whether the configured strategy picks its threshold from labels."""
    return THRESHOLDS.get(threshold.name).oracle
