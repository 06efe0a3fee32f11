"""Plugins: modules outside tsadlab that register components (models, data sources, metrics,
threshold strategies, scoring errors) through the public `register_*` functions.

They are imported before any config is composed, from two places:
- installed packages that declare an entry point in the `tsadlab.plugins` group
  (`[project.entry-points."tsadlab.plugins"] mine = "my_package.tsadlab_plugin"`);
- `TSADLAB_PLUGINS`: module names or paths of .py files, separated by commas.
"""

import importlib
import importlib.metadata
import importlib.util
import os
import sys
from pathlib import Path

from tsadlab.errors import ConfigError

ENTRY_POINT_GROUP = "tsadlab.plugins"
ENVIRONMENT_VARIABLE = "TSADLAB_PLUGINS"

_loaded: dict[str, str] = {}  # plugin -> module name, in the order loaded
_scanned_entry_points = False  # installed packages do not change while a process runs


def load_plugins() -> list[str]:
    """Import every plugin not imported yet; the plugins loaded so far, in order."""
    global _scanned_entry_points
    if not _scanned_entry_points:
        for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if entry.value not in _loaded:
                _import(entry.value, f"entry point {entry.name} ({ENTRY_POINT_GROUP})")
        _scanned_entry_points = True
    for item in os.environ.get(ENVIRONMENT_VARIABLE, "").split(","):
        item = item.strip()
        if item and item not in _loaded:
            _import(item, ENVIRONMENT_VARIABLE)
    return list(_loaded)


def loaded_plugins() -> list[str]:
    """The plugins imported so far, in order (nothing is imported)."""
    return list(_loaded)


def _import(plugin: str, where: str) -> None:
    try:
        if plugin.endswith(".py"):
            path = Path(plugin).expanduser().resolve()
            name = f"tsadlab_plugin_{path.stem}"
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or not path.is_file():
                raise ConfigError(f"plugin file {path} named in {where} does not exist")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        else:
            name = importlib.import_module(plugin).__name__
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(
            f"plugin {plugin} named in {where} cannot be imported: {type(exc).__name__}: {exc}"
        ) from None
    _loaded[plugin] = name
