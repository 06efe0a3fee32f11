"""Data sources: the registry, and `load_dataset`, which turns a `data` config into the series
of one run.

A source is one module of this package (or a plugin) that registers a schema (a subclass
of `DataConfig` whose `source` default is the source's name) and a loader:

    @dataclass
    class MyDataConfig(FileDataConfig):
        source: str = "mine"
        name: str = "mine"
        path: str = MISSING

    @register_source(MyDataConfig, examples=my_examples)
    def load_mine(data: MyDataConfig) -> Dataset: ...

`examples(folder)` writes a small valid input and a malformed one into `folder` and returns
the configs that read them: the contract test checks every source with them.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from tsadlab.data.config import DataConfig
from tsadlab.data.resample import resample_series
from tsadlab.data.series import Dataset
from tsadlab.errors import ConfigError
from tsadlab.registry import Kind, Registry, origin


@dataclass(frozen=True)
class SourceExamples:
    """Configs for the contract test: one that loads, one that must fail with one line."""

    valid: DataConfig
    malformed: DataConfig


@dataclass(frozen=True)
class DataSource:
    """A registered source: its name, schema, loader and contract examples."""

    name: str
    schema: type[DataConfig]
    load: Callable[[DataConfig], Dataset]
    examples: Callable[[Path], SourceExamples]
    origin: str


DATA_SOURCES: Registry[DataSource] = Registry(
    Kind("data source", "data.source", "data", "tsadlab.data.sources")
)


def register_source(
    schema: type[DataConfig], examples: Callable[[Path], SourceExamples]
) -> Callable[[Callable[[DataConfig], Dataset]], Callable[[DataConfig], Dataset]]:
    """Register the decorated loader as the source named by `schema.source`."""

    def decorate(load: Callable[[DataConfig], Dataset]) -> Callable[[DataConfig], Dataset]:
        name = schema.source
        DATA_SOURCES.add(DataSource(name, schema, load, examples, origin(load)), schema)
        return load

    return decorate


def load_dataset(data: DataConfig) -> Dataset:
    """The series named by the `data` config (`data.source` picks the loader), each resampled
    when `data.resample` says so."""
    source = DATA_SOURCES.get(data.source)
    if not isinstance(data, source.schema):
        raise ConfigError(
            f"Received: data.source={data.source} with the keys of {type(data).__name__} "
            f"(choose the source as a group: data={data.source})"
        )
    dataset = source.load(data)
    if not data.resample:
        return dataset
    rule, origin, fill = data.resample, data.resample_origin, data.resample_fill
    return replace(
        dataset, load=lambda name: resample_series(dataset.load(name), rule, origin, fill)
    )
