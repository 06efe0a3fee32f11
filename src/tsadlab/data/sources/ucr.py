"""The UCR Time Series Anomaly Archive (Wu & Keogh, 2021; the KDD Cup 2021 data) as shipped:
one text file per series, `<id>_UCR_Anomaly_<name>_<train end>_<begin>_<end>.txt`, holding
the values only; the name gives the training part and the one anomaly.

The files sit under root directly or in a subfolder (the zip unpacks them into
`.../UCR_Anomaly_FullData/`); `data.series` is relative to root, or a bare file name that
only one file under root has. Values are numbers separated by whitespace: one per line in
most files, all on one line in a few, some lines with trailing blanks; anything else (a line
of several values among lines of one) is refused, as is a value that is not a number.

Index convention. tsadlab reads the archive's positions as 1-based and inclusive, MATLAB's
convention, in which the archive was prepared: values 1..<train end> are the training data,
and the anomaly covers values <begin>..<end>, ends included. In 0-based rows, as tsadlab numbers
them: `train_end` = <train end> (rows 0..<train end>-1), labels on rows <begin>-1 ..
<end>-1 (<end> - <begin> + 1 rows). Evidence, and the other reading:
- the training part is the first <train end> values in every reader found: a Julia loader
  (`X_train = data[1:train_end] # inclusive of train end`, then the anomaly range
  `anomaly_start:anomaly_end`, 1-based inclusive), dtaianomaly's UCRLoader
  (`X[:train_test_split]`);
- the anomaly is read 0-based and half-open, rows <begin> .. <end>-1 (<end> - <begin> rows),
  by dtaianomaly (`y[start_anomaly:end_anomaly] = 1`) and by TheDatumOrg, the TSB-AD
  authors: their converted copy of 001_UCR_Anomaly_DISTORTED1sddb40_35000_52000_52620
  (TheDatumOrg/AutoTSAD, sample/001_UCR_...52620.out, commit 3220a29) has 620 labeled
  rows, file lines 52001..52620, i.e. 0-based rows 52000..52619.
The two readings differ by the one row at 1-based position <begin>; `data.positions=zero_based`
labels as TheDatumOrg did, for comparing with numbers computed on their conversion.

An anomaly past the last value, or a training part that leaves no test rows, is an error; an
anomaly that starts inside the training part (the archive places none there) is a warning.

    tsadlab-train data=ucr data.root=$HOME/UCR_TimeSeriesAnomalyDatasets2021 \\
        data.series=001_UCR_Anomaly_DISTORTED1sddb40_35000_52000_52620.txt
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from tsadlab.data.collection import (
    CollectionDataConfig,
    named_files_dataset,
    refuse_time_repairs,
)
from tsadlab.data.config import MissingPolicy
from tsadlab.data.csv_repairs import Rows, fill_missing
from tsadlab.data.series import Dataset, Series
from tsadlab.data.sources import SourceExamples, register_source
from tsadlab.errors import ConfigError, DataError

log = logging.getLogger(__name__)

NAME = re.compile(
    r"(?P<id>\d+)_UCR_Anomaly_(?P<name>.+)_(?P<train>\d+)_(?P<begin>\d+)_(?P<end>\d+)\.txt"
)
PATTERN = "<id>_UCR_Anomaly_<name>_<train end>_<begin>_<end>.txt"
EXAMPLE = "001_UCR_Anomaly_DISTORTED1sddb40_35000_52000_52620.txt"


class UcrPositions(Enum):
    """How a UCR name's anomaly positions are read."""

    one_based = "one_based"  # values begin..end counted from 1, ends included (the archive's)
    zero_based = "zero_based"  # rows begin..end-1 counted from 0 (TheDatumOrg's conversion)


@dataclass
class UcrDataConfig(CollectionDataConfig):
    """The UCR anomaly archive as shipped: one text file of values per series, the training
    part and the anomaly in its name."""

    source: str = "ucr"
    name: str = "ucr"
    window: int = 100
    positions: UcrPositions = UcrPositions.one_based


@dataclass(frozen=True)
class UcrName:
    """What a UCR file name says, in the file's own (1-based) positions."""

    train_end: int
    begin: int
    end: int


def parse_name(name: str) -> UcrName:
    """The numbers of a UCR file name (its last path part); one line if it is not one."""
    match = NAME.fullmatch(PurePosixPath(name).name)
    if not match:
        raise DataError(
            f"{name} is not a UCR archive file name (expected {PATTERN}, e.g. {EXAMPLE})"
        )
    meta = UcrName(int(match["train"]), int(match["begin"]), int(match["end"]))
    if meta.train_end < 1 or meta.begin < 1 or meta.begin > meta.end:
        raise DataError(
            f"{name} names training end {meta.train_end} and anomaly {meta.begin}..{meta.end} "
            "(expected positions from 1, the anomaly's begin no later than its end)"
        )
    return meta


def read_values(path: Path, rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The numbers in a UCR file and the file line of each; `rows` keeps the first ones."""
    try:
        text = path.read_text(encoding="ascii")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path} is not a text file of numbers (byte {exc.start} is not ASCII)"
        ) from None
    counts = np.array([len(line.split()) for line in text.splitlines()])
    tokens = text.split()
    if not tokens:
        raise DataError(f"data file is empty: {path} (expected numbers, one per line)")
    several = np.flatnonzero(counts > 1)
    if len(several) and np.count_nonzero(counts) > 1:
        raise DataError(
            f"line {several[0] + 1} of {path} holds {counts[several[0]]} values (a UCR file "
            "holds one value per line, or all its values on one line)"
        )
    lines = np.repeat(np.arange(1, len(counts) + 1), counts)
    if rows is not None:
        if rows < 1 or rows > len(tokens):
            raise DataError(
                f"Received: data.rows={rows} for {path} (must be between 1 and {len(tokens)}, "
                "the number of values in the file)"
            )
        tokens, lines = tokens[:rows], lines[:rows]
    text_values = pd.Series(tokens)
    numbers = pd.to_numeric(text_values, errors="coerce")
    bad = np.flatnonzero(numbers.isna() & ~text_values.str.lower().isin(["nan", "inf", "-inf"]))
    if len(bad):
        raise DataError(
            f"non-numeric value '{tokens[bad[0]]}' in {path} at line {lines[bad[0]]} (value "
            f"{bad[0] + 1}; expected numbers with '.' as decimal point)"
        )
    return numbers.to_numpy(dtype=np.float64), lines


def label_rows(meta: UcrName, positions: UcrPositions) -> tuple[int, int]:
    """The anomaly's 0-based rows, [first, stop)."""
    if UcrPositions(positions) is UcrPositions.zero_based:
        return meta.begin, meta.end
    return meta.begin - 1, meta.end


def load_ucr(root: str | Path, name: str, data: UcrDataConfig | None = None) -> Series:
    """One UCR series (`name` relative to root): values, the anomaly's labels, training part."""
    data = data or UcrDataConfig(root=str(root))
    path = Path(root).expanduser() / name
    meta = parse_name(name)
    values, lines = read_values(path, data.rows)
    n_file = len(values)
    # fill_missing names the file line of a bad row as `file row + 2` (a CSV header's offset)
    parsed = Rows(pd.RangeIndex(n_file), values[:, None], None, lines - 2)
    parsed = fill_missing(parsed, MissingPolicy(data.missing), path, ["value"])
    kept = np.asarray(parsed.timestamps)  # the position of each value kept
    n = len(kept)
    first, stop = label_rows(meta, data.positions)
    full = n_file if data.rows is None else None
    if full is not None and stop > full:
        raise DataError(
            f"{path.name} puts its anomaly at {meta.begin}..{meta.end} but {path} holds "
            f"{full} values"
        )
    labels = np.zeros(n_file, dtype=np.int8)
    labels[first:stop] = 1
    if first >= n_file:
        log.warning(
            "%s: data.rows=%s ends before the anomaly (%d..%d)",
            path.name,
            data.rows,
            meta.begin,
            meta.end,
        )
    train_end = _train_end(meta, n_file, data, path)
    if first < meta.train_end:
        log.warning(
            "%s: the anomaly (%d..%d) starts inside the training part (the first %d values)",
            path.name,
            meta.begin,
            meta.end,
            meta.train_end,
        )
    if n < n_file:  # data.missing=drop: count the training part in the rows kept
        labels, train_end = labels[kept], int(np.count_nonzero(kept < train_end))
    return Series(
        name=PurePosixPath(name).stem,
        timestamps=pd.RangeIndex(n),
        values=parsed.values,
        columns=("value",),
        labels=labels,
        source=str(path.resolve()),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        train_end=train_end,
    )


def _train_end(meta: UcrName, n: int, data: UcrDataConfig, path: Path) -> int:
    if meta.train_end < n:
        return meta.train_end
    if data.rows is not None:
        raise ConfigError(
            f"Received: data.rows={data.rows} for {path.name}, whose training part is its "
            f"first {meta.train_end} values (keep more rows, or set data.source_split=false)"
        )
    raise DataError(
        f"{path.name} names a training part of {meta.train_end} values but {path} holds {n}, "
        "which leaves nothing to test"
    )


def ucr_examples(folder: Path) -> SourceExamples:
    """An archive of two series in its subfolder (one a single line of values), and one file
    whose values include text."""
    rng = np.random.default_rng(0)
    good = folder / "good" / "UCR_Anomaly_FullData"
    good.mkdir(parents=True)
    values = np.sin(np.arange(80) / 4) + rng.normal(0, 0.05, 80)
    lines = "\n".join(f"  {v:.4f}  " for v in values)
    (good / "001_UCR_Anomaly_DISTORTEDsine_40_60_64.txt").write_text(lines + "\n")
    (good / "002_UCR_Anomaly_sine_40_50_52.txt").write_text(
        " ".join(f"{v:.6e}" for v in values) + "\n"
    )
    bad = folder / "bad"
    bad.mkdir()
    (bad / "001_UCR_Anomaly_sine_40_60_64.txt").write_text("1.0\n2.0\nthree\n4.0\n")
    return SourceExamples(
        valid=UcrDataConfig(root=str(folder / "good")),
        malformed=UcrDataConfig(root=str(bad)),
    )


@register_source(UcrDataConfig, examples=ucr_examples)
def load_ucr_dataset(data: UcrDataConfig) -> Dataset:
    """`data.series`, the files of `data.file_list`, or every UCR archive file under root."""
    refuse_time_repairs(data, "UCR archive")
    return named_files_dataset(
        data, "**/*.txt", NAME, EXAMPLE, "UCR archive", lambda path: load_ucr(data.root, path, data)
    )
