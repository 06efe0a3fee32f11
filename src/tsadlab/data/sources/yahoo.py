"""Yahoo Webscope S5 (ydata-labeled-time-series-anomalies-v1_0) as unpacked.

`data.root` is the folder holding the four benchmarks, each read as published:

- A1Benchmark/real_1.csv .. real_67.csv (real traffic): columns `timestamp,value,is_anomaly`,
  the timestamps replaced by the integers 1..n (one row per hour, the readme says);
- A2Benchmark/synthetic_1.csv .. synthetic_100.csv: the same columns, timestamps in unix
  seconds;
- A3Benchmark/A3Benchmark-TS1.csv .. TS100.csv and A4Benchmark/A4Benchmark-TS1.csv ..
  TS100.csv: columns `timestamps,value,anomaly,changepoint,trend,noise,seasonality1,
  seasonality2,seasonality3` (note `timestamps`, plural), unix seconds. A4 also marks change
  points, which are not anomalies: `data.changepoints=true` labels them too.

A3Benchmark_all.csv and A4Benchmark_all.csv (every series of the folder in one table) are
summaries, not series, and are never taken; nor is any other file that is not named as the
benchmark names its series.

Rows are numbered in every benchmark (the series has no times): A1's integers are no times,
and one choice for the archive keeps A1..A4 alike (windows, reports and `data.test_start`
behave the same). The time column is still read, as unix seconds, so that rows out of
order or repeated are refused or repaired as `data.order` and `data.duplicates` say. The
archive defines no training part: `data.train_fraction` splits each series.

    tsadlab-train data=yahoo data.root=/path/to/ydata-labeled-time-series-anomalies-v1_0 \\
        data.category=A1            # or A1Benchmark; data.series=A1Benchmark/real_1.csv
"""

import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from tsadlab.data.collection import (
    CollectionDataConfig,
    collection_dataset,
    refuse_category_with_selection,
)
from tsadlab.data.csv_series import load_csv
from tsadlab.data.series import Dataset, Series
from tsadlab.data.sources import SourceExamples, register_source
from tsadlab.errors import ConfigError, DataError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Benchmark:
    """One of the four folders: how its series files are named, and their columns."""

    folder: str
    pattern: re.Pattern
    time_column: str
    label_column: str
    changepoint_column: str | None = None


BENCHMARKS = {
    key: Benchmark(f"{key}Benchmark", re.compile(pattern), time, label, changepoint)
    for key, pattern, time, label, changepoint in (
        ("A1", r"real_(\d+)\.csv", "timestamp", "is_anomaly", None),
        ("A2", r"synthetic_(\d+)\.csv", "timestamp", "is_anomaly", None),
        ("A3", r"A3Benchmark-TS(\d+)\.csv", "timestamps", "anomaly", "changepoint"),
        ("A4", r"A4Benchmark-TS(\d+)\.csv", "timestamps", "anomaly", "changepoint"),
    )
}
FOLDERS = {b.folder: b for b in BENCHMARKS.values()}


@dataclass
class YahooDataConfig(CollectionDataConfig):
    """Yahoo Webscope S5 as unpacked (folders A1Benchmark to A4Benchmark): one series
    (`series`), a list (`file_list`), a benchmark (`category`: A1 to A4), or every series
    present; rows numbered."""

    source: str = "yahoo"
    name: str = "yahoo"
    category: str | None = None  # A1, A2, A3, A4, or the folder name (A1Benchmark, ...)
    changepoints: bool = False  # label A3/A4's change points (column changepoint) as anomalies


def yahoo_series_names(root: str | Path) -> list[str]:
    """'<folder>/<file>' of every series file present, benchmark by benchmark, in the order
    of their numbers; summary files (A3Benchmark_all.csv, A4Benchmark_all.csv) are skipped."""
    root = Path(root)
    folders = [b for b in BENCHMARKS.values() if (root / b.folder).is_dir()]
    if not folders:
        raise DataError(
            f"Yahoo S5 root {root} holds none of A1Benchmark/, A2Benchmark/, A3Benchmark/, "
            "A4Benchmark/ (set data.root to the unpacked ydata-labeled-time-series-anomalies "
            "folder)"
        )
    names = []
    for benchmark in folders:
        found, skipped = [], []
        for path in (root / benchmark.folder).iterdir():
            match = benchmark.pattern.fullmatch(path.name)
            if match and path.is_file():
                found.append((int(match.group(1)), path.name))
            elif path.suffix == ".csv":
                skipped.append(path.name)
        if skipped:
            log.info(
                "Yahoo %s: %d file(s) not named as its series are skipped: %s",
                benchmark.folder,
                len(skipped),
                ", ".join(sorted(skipped)[:3]),
            )
        names += [f"{benchmark.folder}/{file}" for _, file in sorted(found)]
    return names


def yahoo_benchmark(category: str) -> Benchmark:
    """The benchmark a `data.category` names: A1..A4 or its folder name."""
    benchmark = BENCHMARKS.get(category) or FOLDERS.get(category)
    if benchmark is None:
        raise ConfigError(
            f"Received: data.category={category} (one of A1, A2, A3, A4, or the folder names "
            "A1Benchmark .. A4Benchmark)"
        )
    return benchmark


def load_yahoo(root: str | Path, name: str, data: YahooDataConfig | None = None) -> Series:
    """One series ('<folder>/<file>') with its 0/1 labels, its rows numbered."""
    data = data or YahooDataConfig(root=str(root))
    folder, _, file = name.partition("/")
    benchmark = FOLDERS.get(folder)
    if benchmark is None or not benchmark.pattern.fullmatch(file):
        raise DataError(
            f"Received: data.series={name} (expected '<folder>/<file>' of a Yahoo S5 series, "
            "e.g. A1Benchmark/real_1.csv or A4Benchmark/A4Benchmark-TS1.csv)"
        )

    def read(label_column: str) -> Series:
        return load_csv(
            Path(root) / name,
            time_column=benchmark.time_column,
            value_columns=["value"],
            label_column=label_column,
            time_format="unix_s",  # A1's 1..n read as seconds: only their order matters
            rows=data.rows,
            missing=data.missing,
            duplicates=data.duplicates,
            order=data.order,
            name=series_name(name),
        )

    series = read(benchmark.label_column)
    labels = series.labels
    if data.changepoints and benchmark.changepoint_column:
        labels = np.maximum(labels, read(benchmark.changepoint_column).labels)
    return replace(series, timestamps=pd.RangeIndex(len(series)), labels=labels)


def series_name(name: str) -> str:
    """A Yahoo series' name in run folders: '<folder>__<file stem>'."""
    return name.removesuffix(".csv").replace("/", "__")


def yahoo_examples(folder: Path) -> SourceExamples:
    """An archive of one A1 and one A4 series (with A4's summary file beside it), and one whose
    A1 series holds a label that is not 0/1."""
    for name, bad_label in (("good", "0"), ("bad", "2")):
        a1, a4 = folder / name / "A1Benchmark", folder / name / "A4Benchmark"
        a1.mkdir(parents=True)
        a4.mkdir()
        rows = [f"{t},{(t * 7) % 11}.5,{int(t == 20)}" for t in range(1, 40)]
        rows[5] = f"6,3.0,{bad_label}"
        (a1 / "real_1.csv").write_text("timestamp,value,is_anomaly\n" + "\n".join(rows) + "\n")
        header = "timestamps,value,anomaly,changepoint,trend,noise,seasonality1,seasonality2,"
        header += "seasonality3"
        a4_rows = [
            f"{1416722400 + 3600 * i},{(i * 5) % 9}.25,{int(i == 30)},{int(i == 12)},0,0,0,0,0"
            for i in range(40)
        ]
        text = header + "\n" + "\n".join(a4_rows) + "\n"
        (a4 / "A4Benchmark-TS1.csv").write_text(text)
        (a4 / "A4Benchmark_all.csv").write_text(text)
    return SourceExamples(
        valid=YahooDataConfig(root=str(folder / "good")),
        malformed=YahooDataConfig(root=str(folder / "bad"), category="A1"),
    )


@register_source(YahooDataConfig, examples=yahoo_examples)
def load_yahoo_dataset(data: YahooDataConfig) -> Dataset:
    """The series `data.series` or `data.file_list` name, every series of the benchmark
    `data.category`, or every series present."""
    refuse_category_with_selection(data, data.category)
    benchmark = yahoo_benchmark(data.category) if data.category else None
    available = yahoo_series_names(data.root)
    listed = None
    if benchmark is not None:
        listed = [n for n in available if n.split("/")[0] == benchmark.folder]
        if not listed:
            present = sorted({n.split("/")[0] for n in available})
            raise DataError(
                f"Received: data.category={data.category} ({data.root} holds no series of "
                f"{benchmark.folder}/; benchmarks present: {', '.join(present)})"
            )
    return collection_dataset(
        data,
        available,
        lambda name: load_yahoo(data.root, name, data),
        listed=listed,
        run_name=series_name,
    )
