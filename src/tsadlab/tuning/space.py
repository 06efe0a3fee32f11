"""The search space: YAML specs keyed by the config keys they vary, as KerasTuner hyperparameters.

    model.encoder_units: {type: choice, values: [[64], [128], [128, 64]]}
    model.decoder_units: {same_as: model.encoder_units, reverse: true}
    model.dropout:       {type: float, min: 0.0, max: 0.5, step: 0.1}
    model.learning_rate: {type: float, min: 1.0e-4, max: 1.0e-2, sampling: log}
    data.window:         {type: int, min: 10, max: 60, step: 10}
    data.transform:      {type: choice, values: [none, log_return]}
    model.encoder_units: {type: int, min: 16, max: 128, step: 16, layers: 2}   # one int per layer

Nested keys mean the same as dotted ones (`model: {dropout: {...}}`), which is how a command
line adds one: `+search.space.model.dropout={type: float, min: 0, max: 0.5}`.

KerasTuner choices hold scalars only, so a list value travels as its JSON text and is decoded
when the trial's config is made.
"""

import copy
import difflib
import json
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

from tsadlab.errors import ConfigError

SPEC_TYPES = ("choice", "int", "float", "bool")
SAMPLINGS = ("linear", "log", "reverse_log")
# Groups a trial may vary: everything that shapes the data, the model, its fit and its scoring.
VARIABLE_GROUPS = ("data", "model", "trainer", "scoring", "threshold")


@dataclass(frozen=True)
class Dimension:
    """One searched config key."""

    key: str
    spec: dict

    @property
    def layers(self) -> int | None:
        return self.spec.get("layers")

    def hp_names(self) -> list[str]:
        """The KerasTuner hyperparameter names: the key, or key[i] per layer."""
        if self.layers:
            return [f"{self.key}[{i}]" for i in range(self.layers)]
        return [self.key]


@dataclass(frozen=True)
class SearchSpace:
    """Searched dimensions and keys tied to them (`same_as`)."""

    dimensions: tuple[Dimension, ...]
    tied: dict[str, tuple[str, bool]]  # key -> (source key, reversed)

    def declare(self, hp: Any) -> dict[str, Any]:
        """Declare every dimension on `hp` (idempotent); returns {config key: value}."""
        values = {}
        for dim in self.dimensions:
            if dim.layers:
                values[dim.key] = [_declare(hp, name, dim.spec) for name in dim.hp_names()]
            else:
                values[dim.key] = _decode(_declare(hp, dim.key, dim.spec))
        for key, (source, reverse) in self.tied.items():
            value = values[source]
            values[key] = list(reversed(value)) if reverse else copy.copy(value)
        return values

    def values_from(self, hp_values: dict[str, Any]) -> dict[str, Any]:
        """{config key: value} of a finished trial's recorded hyperparameter values."""
        values = {}
        for dim in self.dimensions:
            if dim.layers:
                values[dim.key] = [hp_values[name] for name in dim.hp_names()]
            else:
                values[dim.key] = _decode(hp_values[dim.key])
        for key, (source, reverse) in self.tied.items():
            values[key] = list(reversed(values[source])) if reverse else values[source]
        return values


def apply_values(settings: dict, values: dict[str, Any]) -> dict:
    """A copy of the run settings with each dotted key set to its value."""
    result = copy.deepcopy(settings)
    for key, value in values.items():
        node = result
        *parents, leaf = key.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = value
    return result


def parse_space(space: dict | DictConfig, cfg: DictConfig) -> SearchSpace:
    """Check every spec against the composed run config and return the space.

    Each key must be a config key of a variable group, and each value the spec can produce
    must be one the config's schema accepts (so `data.transform: {values: [logret]}` fails
    here, not in trial 7).
    """
    if isinstance(space, DictConfig):
        space = OmegaConf.to_container(space, resolve=True)
    space = flatten_space(space)
    if not space:
        raise ConfigError("search.space is empty; give at least one config key to search over")
    dims, tied = [], {}
    for key, spec in space.items():
        _check_key(key, cfg)
        if not isinstance(spec, dict):
            raise ConfigError(
                f"search.space.{key}: Received {spec!r} (must be a mapping such as "
                "{type: float, min: 0.0, max: 0.5})"
            )
        spec = dict(spec)
        if "same_as" in spec:
            source = spec["same_as"]
            if source not in space or "same_as" in space[source]:
                raise ConfigError(
                    f"search.space.{key}: Received same_as={source} (must name another searched "
                    "key that is not itself tied)"
                )
            tied[key] = (source, bool(spec.get("reverse", False)))
            continue
        _check_spec(key, spec)
        for value in _candidate_values(spec):
            _check_value(cfg, key, value)
        dims.append(Dimension(key, spec))
    return SearchSpace(tuple(dims), tied)


def flatten_space(space: dict, prefix: str = "") -> dict[str, Any]:
    """Dotted keys for nested ones, so that `+search.space.model.dropout={...}` on the command
    line (which nests) means the same as `model.dropout: {...}` in YAML."""
    flat: dict[str, Any] = {}
    for key, spec in space.items():
        name = f"{prefix}{key}"
        if isinstance(spec, dict) and spec and not {"type", "same_as"} & set(spec):
            nested = flatten_space(spec, f"{name}.")
        else:
            nested = {name: spec}
        for inner in nested:
            if inner in flat:
                raise ConfigError(f"search.space: Received key '{inner}' twice")
        flat.update(nested)
    return flat


def _check_key(key: str, cfg: DictConfig) -> None:
    group = key.split(".", 1)[0]
    if group not in VARIABLE_GROUPS or OmegaConf.select(cfg, key, default=_MISSING) is _MISSING:
        known = [f"{g}.{k}" for g in VARIABLE_GROUPS if g in cfg for k in cfg[g] if k != "name"]
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ConfigError(
            f"search.space: Received key '{key}' (must be a config key of "
            f"{', '.join(VARIABLE_GROUPS)}){hint}"
        )


_MISSING = object()


def _check_spec(key: str, spec: dict) -> None:
    kind = spec.get("type")
    where = f"search.space.{key}"
    if kind not in SPEC_TYPES:
        raise ConfigError(f"{where}: Received type={kind} (must be one of {', '.join(SPEC_TYPES)})")
    if kind == "choice":
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{where}: Received values={values} (must be a non-empty list)")
        return
    if kind == "bool":
        return
    low, high = spec.get("min"), spec.get("max")
    if not isinstance(low, int | float) or not isinstance(high, int | float) or low >= high:
        raise ConfigError(
            f"{where}: Received min={low}, max={high} (must be numbers with min < max)"
        )
    if kind == "int" and not (float(low).is_integer() and float(high).is_integer()):
        raise ConfigError(f"{where}: Received min={low}, max={high} (type int needs integers)")
    sampling = spec.get("sampling", "linear")
    if sampling not in SAMPLINGS:
        raise ConfigError(
            f"{where}: Received sampling={sampling} (must be one of {', '.join(SAMPLINGS)})"
        )
    if sampling != "linear" and low <= 0:
        raise ConfigError(f"{where}: Received min={low} (sampling={sampling} needs min > 0)")
    layers = spec.get("layers")
    if layers is not None and (kind != "int" or not isinstance(layers, int) or layers < 1):
        raise ConfigError(
            f"{where}: Received layers={layers} (must be a positive int, with type int)"
        )


def _candidate_values(spec: dict) -> list[Any]:
    """Values worth checking against the schema: every choice, or the range's ends."""
    kind = spec["type"]
    if kind == "choice":
        return list(spec["values"])
    if kind == "bool":
        return [True, False]
    low, high = spec["min"], spec["max"]
    if kind == "int":
        low, high = int(low), int(high)
    if spec.get("layers"):
        return [[low] * spec["layers"], [high] * spec["layers"]]
    return [low, high]


def _check_value(cfg: DictConfig, key: str, value: Any) -> None:
    probe = copy.deepcopy(cfg)
    try:
        OmegaConf.update(probe, key, value, merge=False)
    except Exception as exc:  # OmegaConf's validation errors have no common public base
        reason = str(exc).splitlines()[0]
        raise ConfigError(f"search.space.{key}: value {value!r} is not valid: {reason}") from None


def _declare(hp: Any, name: str, spec: dict) -> Any:
    kind = spec["type"]
    if kind == "choice":
        return hp.Choice(name, [_encode(v) for v in spec["values"]])
    if kind == "bool":
        return hp.Boolean(name)
    sampling = spec.get("sampling", "linear")
    if kind == "int":
        return hp.Int(
            name, int(spec["min"]), int(spec["max"]), step=spec.get("step"), sampling=sampling
        )
    return hp.Float(
        name, float(spec["min"]), float(spec["max"]), step=spec.get("step"), sampling=sampling
    )


def _encode(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) else value


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    if isinstance(value, float):  # a stepped float: 0.30000000000000004 is meant as 0.3
        return float(f"{value:.12g}")
    return value
