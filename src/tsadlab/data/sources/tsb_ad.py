"""TSB-AD (TheDatumOrg/TSB-AD): the TSB-AD-U (870 univariate) and TSB-AD-M (200
multivariate) folders exactly as the benchmark ships them.

One CSV per series, named `<index>_<source>_id_<id>_<domain>_tr_<train end>_1st_<first
anomaly>.csv`: value columns (`Data` in TSB-AD-U, one column per channel in TSB-AD-M), then a
last column `Label` (0/1); no time column, so rows are numbered. The rows before `<train end>`
are the series' training part (`Series.train_end`; `data.source_split=false` splits by
`data.train_fraction` instead); the whole series is scored.

This reads a file as the benchmark's own scripts do (benchmark_exp/Run_Detector_U.py and
Run_Detector_M.py, TSB_AD/main.py at commit 8763009): the values are every column but the
last (`df.iloc[:, 0:-1]`), the labels `df['Label']`, and the training part
`data[:int(filename.split('.')[0].split('_')[-3])]`, the `tr_` number. Two differences, both
said in one line when they matter: the scripts drop rows with a missing value (`dropna()`),
tsadlab refuses them unless `data.missing=drop` (which then does the same, the training part
counted in the rows kept); and a channel constant over the training part (expected in
TSB-AD-M, whose MSL, SMAP and SMD series carry channels that stay flat for long stretches)
is dropped, and logged, since a scaler fitted on the training part cannot scale it
(`data.drop_constant_channels=false` keeps it, and the run then refuses the series).

The name's `1st_` number is the 0-based row of the first `Label` 1. TSB-AD's scripts never
read it (the `Label` column is what they score against), so a name that disagrees with its
labels is a warning, not an error: the labels are used. A `tr_` number outside the file's
rows, or a name that does not follow the pattern, is an error.

    tsadlab-train data=tsb_ad data.root=$HOME/TSB-AD-U \\
        data.series=001_NAB_id_1_Facility_tr_1007_1st_2014.csv
    tsadlab-train data=tsb_ad data.root=$HOME/TSB-AD-M data.file_list=TSB-AD-M-Eva

`data.file_list` takes an official list by name (TSB-AD-U, TSB-AD-U-Eva, TSB-AD-U-Eva-Full,
TSB-AD-U-Tuning, TSB-AD-M, TSB-AD-M-Eva, TSB-AD-M-Tuning: copies ship with tsadlab, see
tsb_ad_lists/NOTICE), or a file of names. No selection runs every TSB-AD file under root.
"""

import csv
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from tsadlab.data.collection import (
    CollectionDataConfig,
    named_files_dataset,
    refuse_time_repairs,
)
from tsadlab.data.config import Scaler
from tsadlab.data.csv_series import load_csv
from tsadlab.data.prepare import train_size
from tsadlab.data.series import Dataset, Series
from tsadlab.data.sources import SourceExamples, register_source
from tsadlab.errors import ConfigError, DataError

log = logging.getLogger(__name__)

LISTS = Path(__file__).with_name("tsb_ad_lists")
PUBLISHED = Path(__file__).with_name("tsb_ad_published")
NAME = re.compile(
    r"(?P<index>\d+)_(?P<source>.+)_id_(?P<id>\d+)_(?P<domain>[A-Za-z]+)"
    r"_tr_(?P<train>\d+)_1st_(?P<first>\d+)\.csv"
)
PATTERN = "<index>_<source>_id_<id>_<domain>_tr_<train end>_1st_<first anomaly>.csv"
EXAMPLE = "001_NAB_id_1_Facility_tr_1007_1st_2014.csv"
LABEL = "Label"


@dataclass
class TsbAdDataConfig(CollectionDataConfig):
    """TSB-AD-U or TSB-AD-M as shipped: one CSV per series, its training part from its name."""

    source: str = "tsb_ad"
    name: str = "tsb_ad"
    window: int = 100  # the reference's default sliding window (run_IForest, run_PCA)
    scaler: Scaler = Scaler.standard  # z-score, as the reference's detectors normalise
    drop_constant_channels: bool = True  # false: a constant training column fails the series


@dataclass(frozen=True)
class TsbAdName:
    """What a TSB-AD file name says."""

    source: str
    domain: str
    train_end: int
    first_anomaly: int


def parse_name(name: str) -> TsbAdName:
    """The fields of a TSB-AD file name (its last path part); one line if it is not one."""
    match = NAME.fullmatch(PurePosixPath(name).name)
    if not match:
        raise DataError(f"{name} is not a TSB-AD file name (expected {PATTERN}, e.g. {EXAMPLE})")
    return TsbAdName(match["source"], match["domain"], int(match["train"]), int(match["first"]))


def official_lists() -> dict[str, Path]:
    """The official file lists shipped with tsadlab, by name (the file name without .csv)."""
    return {path.stem: path for path in sorted(LISTS.glob("*.csv"))}


def published_tables() -> dict[str, Path]:
    """TSB-AD's published per-series VUS-PR tables shipped with tsadlab, by collection."""
    return {
        "TSB-AD-U": PUBLISHED / "uni_mergedTable_VUS-PR.csv",
        "TSB-AD-M": PUBLISHED / "multi_mergedTable_VUS-PR.csv",
    }


def value_columns(path: Path) -> list[str]:
    """The value columns of a TSB-AD file: every header column but the last, `Label`."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = [column.strip() for column in next(csv.reader(handle), [])]
    if not header:
        raise DataError(f"data file is empty: {path} (expected a header ending in {LABEL})")
    if header[-1] != LABEL:
        where = "is not the last column" if LABEL in header else "is missing"
        raise DataError(
            f"column '{LABEL}' {where} in {path} (TSB-AD files end in a 0/1 {LABEL} column; "
            f"columns: {', '.join(header)})"
        )
    values = header[:-1]
    if not values:
        raise DataError(f"{path} has no value column before '{LABEL}'")
    repeated = sorted({c for c in values if values.count(c) > 1})
    if repeated or LABEL in values:
        raise DataError(f"{path} repeats column '{(repeated or [LABEL])[0]}' in its header")
    return values


def load_tsb_ad(root: str | Path, name: str, data: TsbAdDataConfig | None = None) -> Series:
    """One TSB-AD series (`name` relative to root): its values, `Label` labels and training
    part, rows numbered from 0."""
    data = data or TsbAdDataConfig(root=str(root))
    path = Path(root).expanduser() / name
    meta = parse_name(name)
    columns = value_columns(path)
    series = load_csv(
        path,
        time_column=None,
        value_columns=columns,
        label_column=LABEL,
        rows=data.rows,
        missing=data.missing,
        name=Path(name).stem,
    )
    n = len(series)
    # data.missing=drop leaves gaps in the numbering; the reference counts rows after dropna()
    series = replace(series, timestamps=pd.RangeIndex(n), train_end=_train_end(meta, n, data, path))
    _check_first_anomaly(series.labels, meta, data, path)
    if data.drop_constant_channels:
        series = _drop_constant(series, data, path)
    return series


def _train_end(meta: TsbAdName, n: int, data: TsbAdDataConfig, path: Path) -> int:
    if meta.train_end > n:
        if data.rows is not None and data.rows < meta.train_end:
            raise ConfigError(
                f"Received: data.rows={data.rows} for {path.name}, whose training part is its "
                f"first {meta.train_end} rows (keep more rows, or set data.source_split=false)"
            )
        raise DataError(
            f"{path.name} names a training part of {meta.train_end} rows (tr_{meta.train_end}) "
            f"but {path} holds {n}"
        )
    if meta.train_end < 1:
        raise DataError(f"{path.name} names an empty training part (tr_0); TSB-AD's start at 1")
    return meta.train_end


def _check_first_anomaly(
    labels: np.ndarray, meta: TsbAdName, data: TsbAdDataConfig, path: Path
) -> None:
    ones = np.flatnonzero(labels)
    first = int(ones[0]) if len(ones) else None
    if first == meta.first_anomaly:
        return
    if first is None and data.rows is not None and data.rows <= meta.first_anomaly:
        log.info("%s: data.rows=%d ends before the first anomaly", path.name, data.rows)
        return
    found = f"row {first}" if first is not None else "no row"
    log.warning(
        "%s: the name puts the first anomaly at row %d (1st_%d) but its %s column marks %s "
        "first; the %s column is used",
        path.name,
        meta.first_anomaly,
        meta.first_anomaly,
        LABEL,
        found,
        LABEL,
    )


def _drop_constant(series: Series, data: TsbAdDataConfig, path: Path) -> Series:
    """The series without the channels that are constant over its training part."""
    n_train = train_size(series.timestamps, data, series.train_end)
    flat = np.ptp(series.values[:n_train], axis=0) == 0
    if not flat.any():
        return series
    if flat.all():
        raise DataError(
            f"every value column of {path} is constant over its training part (the first "
            f"{n_train} rows); there is nothing to learn from"
        )
    dropped = [c for c, f in zip(series.columns, flat, strict=True) if f]
    log.warning(
        "%s: %d of %d channels are constant over the training part and are left out: %s",
        path.name,
        len(dropped),
        len(flat),
        ", ".join(dropped[:10]) + (", ..." if len(dropped) > 10 else ""),
    )
    return replace(
        series,
        values=series.values[:, ~flat],
        columns=tuple(c for c, f in zip(series.columns, flat, strict=True) if not f),
        repairs={**series.repairs, "constant_channels_dropped": len(dropped)},
    )


def tsb_ad_examples(folder: Path) -> SourceExamples:
    """A two-series TSB-AD-M folder, and one whose file lacks the Label column."""
    rng = np.random.default_rng(0)
    good, bad = folder / "good", folder / "bad"
    good.mkdir()
    bad.mkdir()
    for index, first in ((1, 30), (2, 35)):
        rows = rng.normal(size=(60, 2)).round(3)
        lines = [f"{a},{b},{int(first <= i < first + 5)}" for i, (a, b) in enumerate(rows)]
        name = f"00{index}_SMD_id_{index}_Facility_tr_20_1st_{first}.csv"
        (good / name).write_text("0,1,Label\n" + "\n".join(lines) + "\n")
    lines = [f"{v}" for v in rng.normal(size=40).round(3)]
    (bad / "001_NAB_id_1_Facility_tr_20_1st_30.csv").write_text("Data\n" + "\n".join(lines))
    return SourceExamples(
        valid=TsbAdDataConfig(root=str(good)),
        malformed=TsbAdDataConfig(root=str(bad)),
    )


@register_source(TsbAdDataConfig, examples=tsb_ad_examples)
def load_tsb_ad_dataset(data: TsbAdDataConfig) -> Dataset:
    """`data.series`, the files of `data.file_list`, or every TSB-AD file under root."""
    refuse_time_repairs(data, "TSB-AD")
    return named_files_dataset(
        data,
        "**/*.csv",
        NAME,
        EXAMPLE,
        "TSB-AD",
        lambda path: load_tsb_ad(data.root, path, data),
        official=official_lists(),
    )
