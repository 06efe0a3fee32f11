"""One registry per kind of component: models, data sources, scoring errors, threshold
strategies and metrics.

A component registers itself once, in its own module, with its schema (a dataclass holding
its defaults): `Registry.add` records it and stores the schema in Hydra's ConfigStore as an
option of the component's config group (`model=lstm_ae` needs no YAML file). Everything else
(config choices, allowed-value checks, error messages, contract tests) reads the registry.

A registry finds the built-in components by importing every public module of its package
the first time it is asked for them; those modules must not import Keras at import time
(the backend is chosen after the config is composed). Third-party components arrive as
plugins (`tsadlab.plugins`).
"""

import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from hydra.core.config_store import ConfigStore

from tsadlab.errors import ConfigError


class Component(Protocol):
    """What a registry holds: a named thing, with a schema when it is configured."""

    name: str


T = TypeVar("T", bound=Component)


@dataclass(frozen=True)
class Kind:
    """A kind of component: its config key, its config group and where its modules live."""

    noun: str  # "model", for messages
    key: str  # the config key that names a choice, e.g. "model.name"
    group: str | None  # the ConfigStore group its schemas are options of, or None
    package: str  # the package whose public modules hold the built-in components


class Registry(Generic[T]):
    """Components of one kind, by name: built-in ones by module, then plugins'."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self._components: dict[str, T] = {}
        self._discovered = False
        self._builtin_modules: list[str] = []

    def add(self, component: T, schema: type | None = None) -> T:
        """Register `component` under its name (and `schema` as its config node); a name
        registered twice is an error unless it is the same component again (a reload)."""
        name = component.name
        known = self._components.get(name)
        if known is not None and _qualname(known) != _qualname(component):
            raise ConfigError(
                f"two {self.kind.noun}s are registered as '{name}': {_qualname(known)} and "
                f"{_qualname(component)}"
            )
        self._components[name] = component
        if schema is not None and self.kind.group is not None:
            ConfigStore.instance().store(group=self.kind.group, name=name, node=schema)
        return component

    def get(self, name: str) -> T:
        """The component registered as `name`; one line naming the choices otherwise."""
        self.discover()
        if name not in self._components:
            raise ConfigError(
                f"Received: {self.kind.key}={name} (must be one of "
                f"{', '.join(sorted(self.names()))})"
            )
        return self._components[name]

    def names(self) -> list[str]:
        """Every registered name: built-in ones first, by module name, each module's in the
        order it registers them; then plugins', in the order they were loaded."""
        return [component.name for component in self]

    def __iter__(self) -> Iterator[T]:
        self.discover()
        modules = self._builtin_modules
        rank = {name: i for i, name in enumerate(modules)}

        def order(item: tuple[int, T]) -> tuple[int, int]:
            module = _qualname(item[1]).partition(":")[0]
            return rank.get(module, len(modules)), item[0]

        ordered = sorted(enumerate(self._components.values()), key=order)
        return iter([component for _, component in ordered])

    def discover(self) -> None:
        """Import every public module of the kind's package once (they register themselves)."""
        if self._discovered:
            return
        self._discovered = True  # first: a module being imported may ask for the registry
        package = importlib.import_module(self.kind.package)
        modules = sorted(m.name for m in pkgutil.iter_modules(package.__path__))
        self._builtin_modules = [f"{package.__name__}.{m}" for m in modules if m[0] != "_"]
        try:
            for name in self._builtin_modules:
                importlib.import_module(name)
        except BaseException:
            self._discovered = False  # a later call tries again, never sees half a registry
            raise


def origin(obj: Any) -> str:
    """'module:qualname' of a function or class: where a component was defined."""
    return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', repr(obj))}"


def _qualname(component: Any) -> str:
    # specs record where their code was defined; a class registered as itself is its own
    return getattr(component, "origin", None) or origin(component)
