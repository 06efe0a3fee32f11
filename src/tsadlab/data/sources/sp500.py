"""The bundled S&P 500 daily close, 1986-01-02 .. 2020-04-17 (8644 rows). Its first 8192 rows,
to 2018-06-29, are the tutorial's period: the default."""

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from tsadlab.data.config import FileDataConfig, Transform
from tsadlab.data.csv_series import load_csv
from tsadlab.data.series import Dataset, Series
from tsadlab.data.sources import SourceExamples, register_source

SP500_FILE = "sp500_close.csv"
SP500_TUTORIAL_ROWS = 8192


@dataclass
class Sp500DataConfig(FileDataConfig):
    """The tutorial's period of the S&P 500 close, as daily log returns (the corrected
    default: raw prices would drift out of the training range)."""

    source: str = "sp500"
    name: str = "sp500"
    rows: int | None = SP500_TUTORIAL_ROWS
    transform: Transform = Transform.log_return


def sp500_path() -> Path:
    """Path of the bundled S&P 500 daily close."""
    return Path(str(resources.files("tsadlab.data").joinpath(SP500_FILE)))


def load_sp500(data: Sp500DataConfig | None = None) -> Series:
    """The bundled series (the tutorial's 8192 rows by default)."""
    data = data or Sp500DataConfig()
    return load_csv(
        sp500_path(),
        time_column="date",
        value_columns=["close"],
        time_format="%Y/%m/%d",
        rows=data.rows,
        missing=data.missing,
        duplicates=data.duplicates,
        order=data.order,
        name=data.name,
    )


def sp500_examples(folder: Path) -> SourceExamples:
    """The bundled file is the only input; malformed: more rows than it has."""
    return SourceExamples(valid=Sp500DataConfig(rows=500), malformed=Sp500DataConfig(rows=10**6))


@register_source(Sp500DataConfig, examples=sp500_examples)
def load_sp500_dataset(data: Sp500DataConfig) -> Dataset:
    """The bundled series as a dataset of one."""
    return Dataset.of(load_sp500(data))
