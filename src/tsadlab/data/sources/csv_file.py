"""Any CSV file: a time column (or none), one or more value columns, an optional 0/1 label
column.

    tsadlab-train data=csv data.path=my.csv data.time_column=ts data.value_columns=[a,b]
"""

from dataclasses import dataclass, field
from pathlib import Path

from omegaconf import MISSING

from tsadlab.data.config import FileDataConfig
from tsadlab.data.csv_series import load_csv
from tsadlab.data.series import Dataset, Series
from tsadlab.data.sources import SourceExamples, register_source


@dataclass
class CsvDataConfig(FileDataConfig):
    """A CSV file: `time_column` null numbers the rows instead of reading times."""

    source: str = "csv"
    name: str = "csv"
    path: str = MISSING
    time_column: str | None = "timestamp"
    value_columns: list[str] = field(default_factory=lambda: ["value"])
    label_column: str | None = None
    time_format: str | None = None  # a strptime format, unix_s or unix_ms; null: inferred


def csv_examples(folder: Path) -> SourceExamples:
    """A small labeled file, and one whose value column holds text."""
    good, bad = folder / "good.csv", folder / "bad.csv"
    rows = [f"2020-01-01 {h:02d}:00:00,{h % 5}.5,{int(h == 7)}" for h in range(24)]
    good.write_text("timestamp,value,label\n" + "\n".join(rows) + "\n")
    bad.write_text("timestamp,value\n2020-01-01 00:00:00,1.0\n2020-01-01 01:00:00,one\n")
    return SourceExamples(
        valid=CsvDataConfig(path=str(good), label_column="label"),
        malformed=CsvDataConfig(path=str(bad)),
    )


def load_csv_columns(path: str | Path, data: CsvDataConfig, name: str) -> Series:
    """One CSV file read with the column and repair keys of `data` (a `data=csv` config or
    any schema with the same keys, such as `data=csv_folder`'s)."""
    return load_csv(
        path,
        time_column=data.time_column,
        value_columns=list(data.value_columns),
        label_column=data.label_column,
        time_format=data.time_format,
        rows=data.rows,
        missing=data.missing,
        duplicates=data.duplicates,
        order=data.order,
        name=name,
    )


@register_source(CsvDataConfig, examples=csv_examples)
def load_csv_file(data: CsvDataConfig) -> Dataset:
    """The one series in `data.path`."""
    return Dataset.of(load_csv_columns(data.path, data, data.name))
