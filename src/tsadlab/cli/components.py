"""The registered components as the README's table of choices (a test keeps the README's copy
equal to this output):

    python -m tsadlab.cli.components            # built-in components, and any plugins loaded
"""

import dataclasses
import inspect

from tsadlab.config import register_configs
from tsadlab.data.config import DataConfig
from tsadlab.data.sources import DATA_SOURCES
from tsadlab.metrics import METRICS
from tsadlab.models import MODELS, KerasModelConfig
from tsadlab.scoring import SCORING_ERRORS
from tsadlab.thresholds import THRESHOLDS, ThresholdConfig


def summary(obj: object) -> str:
    """The first sentence of an object's docstring, on one line."""
    text = " ".join((inspect.getdoc(obj) or "").split())
    return text.split(". ")[0].rstrip(".").replace("|", "\\|")  # a pipe would end the cell


def own_keys(schema: type, base: type) -> str:
    """The config keys a schema adds to its base, as `key`, ..."""
    inherited = {f.name for f in dataclasses.fields(base)}
    keys = [f.name for f in dataclasses.fields(schema) if f.name not in inherited | {"name"}]
    return ", ".join(f"`{k}`" for k in keys) or "-"


def components_table() -> str:
    """One row per registered component: its kind, its choice, what it is, its own keys."""
    register_configs()
    rows = ["| kind | choice | what it is | its own keys |", "|---|---|---|---|"]
    for source in DATA_SOURCES:
        rows.append(
            f"| data source | `data={source.name}` | {summary(source.schema)} | "
            f"{own_keys(source.schema, DataConfig)} |"
        )
    for model in MODELS:
        kind = "model (Keras)" if model.keras else "model (detector)"
        base = KerasModelConfig if model.keras else model.schema.__mro__[1]
        rows.append(
            f"| {kind} | `model={model.name}` | {summary(model.schema)} | "
            f"{own_keys(model.schema, base)} |"
        )
    for strategy in THRESHOLDS:
        oracle = " ORACLE: evaluation only" if strategy.oracle else ""
        rows.append(
            f"| threshold | `threshold={strategy.name}` | {summary(strategy)}{oracle} | "
            f"{own_keys(strategy.schema, ThresholdConfig)} |"
        )
    for error in SCORING_ERRORS:
        per = "per row" if error.per_row else "per window"
        per += ", needs model.target=next" if error.forecast else ""
        rows.append(
            f"| scoring error | `scoring.error={error.name}` | {summary(error.compute)} ({per}) "
            "| - |"
        )
    for metric in METRICS:
        notes = [
            n
            for n, on in (("threshold-free", metric.threshold_free), ("inflated", metric.inflated))
            if on
        ]
        columns = ", ".join(f"`{c.column}`" for c in metric.columns)
        rows.append(
            f"| metric | `labeled.{metric.name}` | {summary(metric.compute)}"
            f"{' (' + ', '.join(notes) + ')' if notes else ''} | columns {columns} |"
        )
    return "\n".join(rows) + "\n"


def main() -> None:
    """Console entry point."""
    print(components_table(), end="")


if __name__ == "__main__":
    main()
