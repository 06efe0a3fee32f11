"""NASA's SMAP and MSL telemetry in the telemanom layout (khundman/telemanom, data.zip plus
its labeled_anomalies.csv).

`data.root` holds `train/<chan>.npy`, `test/<chan>.npy` and `labeled_anomalies.csv`
(`chan_id,spacecraft,anomaly_sequences,class,num_values`). Each .npy is a 2-D float array:
column 0 the telemetry value, the others one-hot commands (SMAP 25 columns, MSL 55). A
channel's series is its training rows followed by its test rows, with `train_end` at the
end of the training rows (the archive's own split; labels 0 there).

Labels: `anomaly_sequences` such as "[[1899, 2099], [4869, 5074]]" are 0-based row
positions in the TEST array, both ends included (telemanom's evaluation takes
range(start, end + 1), and shifts its own detections by l_s to index the test array for
the comparison), not always in order. `num_values` must equal the test array's rows: the
labels are positions, so a file from another release is refused rather than mislabeled.

Quirks of the published files, handled:

- a channel named in labeled_anomalies.csv without both .npy files here is skipped with a
  log line when a spacecraft or every channel is taken (an error when named);
- P-2 (SMAP) has two rows in the published labeled_anomalies.csv with different
  sequences: the rows of one channel are merged (a warning), provided they agree on
  spacecraft and num_values;
- the command columns are mostly constant over a channel's training rows, which a model
  cannot learn from (tsadlab's prepare refuses them): `data.constant_columns=drop` (the
  default) drops every command column constant over the training rows, logs it and records
  the count in the series' repairs (metrics.json); the telemetry column is never dropped.
  With `data.source_split=false` the split no longer is the archive's, and a column that is
  constant over the new training part is still refused by prepare.
- `data.columns=telemetry` takes column 0 only (the univariate protocol).

`data.rows` keeps the first rows of each array (train and test alike); `data.missing`
handles non-finite values in them.

    tsadlab-train data=nasa data.root=/path/to/telemanom/data data.category=SMAP
    tsadlab-train data=nasa data.root=... data.series=P-1 data.columns=telemetry
"""

import ast
import hashlib
import json
import logging
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import pandas as pd

from tsadlab.data.collection import CollectionDataConfig, collection_dataset
from tsadlab.data.config import MissingPolicy
from tsadlab.data.series import Dataset, Series
from tsadlab.data.sources import SourceExamples, register_source
from tsadlab.errors import ConfigError, DataError

LABELS_FILE = "labeled_anomalies.csv"
LABEL_COLUMNS = ("chan_id", "spacecraft", "anomaly_sequences", "num_values")
log = logging.getLogger(__name__)


class NasaColumns(Enum):
    """Which columns of a channel's arrays a series holds."""

    all = "all"  # the telemetry value and every command column
    telemetry = "telemetry"  # column 0 only


class ConstantColumns(Enum):
    """What to do with command columns constant over the training rows."""

    drop = "drop"
    keep = "keep"  # prepare then refuses the series, naming the column


@dataclass
class NasaDataConfig(CollectionDataConfig):
    """NASA SMAP/MSL telemetry in the telemanom layout: one channel (`series`, such as P-1), a
    list (`file_list`), a spacecraft (`category`: SMAP or MSL), or every channel present;
    training rows then test rows, split where the archive splits them."""

    source: str = "nasa"
    name: str = "nasa"
    category: str | None = None  # SMAP or MSL (the spacecraft column)
    columns: NasaColumns = NasaColumns.all
    constant_columns: ConstantColumns = ConstantColumns.drop


@dataclass(frozen=True)
class Channel:
    """A channel's row(s) of labeled_anomalies.csv."""

    chan_id: str
    spacecraft: str
    sequences: tuple[tuple[int, int], ...]
    num_values: int


def read_labels(root: str | Path) -> dict[str, Channel]:
    """Every channel of labeled_anomalies.csv, in its order; a channel's repeated rows merged."""
    root = Path(root)
    path = root / LABELS_FILE
    if not path.is_file():
        raise DataError(
            f"NASA root {root} has no {LABELS_FILE} (expected the telemanom layout: "
            f"{LABELS_FILE}, train/<chan>.npy and test/<chan>.npy; set data.root to that folder)"
        )
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        first = (str(exc).strip().splitlines() or ["empty file"])[0]
        raise DataError(f"cannot parse {path} as CSV: {first}") from None
    missing = [c for c in LABEL_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path} lacks column '{missing[0]}' (expected columns {', '.join(LABEL_COLUMNS)})"
        )
    channels: dict[str, Channel] = {}
    for line, row in enumerate(frame.itertuples(index=False), start=2):
        channel = Channel(
            row.chan_id.strip(),
            row.spacecraft.strip(),
            _sequences(row.anomaly_sequences, path, line),
            _count(row.num_values, path, line),
        )
        seen = channels.get(channel.chan_id)
        if seen is not None:
            if (seen.spacecraft, seen.num_values) != (channel.spacecraft, channel.num_values):
                raise DataError(
                    f"{path} line {line} repeats channel {channel.chan_id} with another "
                    "spacecraft or num_values (a channel's rows must agree)"
                )
            log.warning(
                "%s: channel %s has several rows; their anomaly sequences are merged",
                LABELS_FILE,
                channel.chan_id,
            )
            channel = Channel(
                seen.chan_id, seen.spacecraft, seen.sequences + channel.sequences, seen.num_values
            )
        channels[channel.chan_id] = channel
    if not channels:
        raise DataError(f"{path} names no channel")
    return channels


def _sequences(text: str, path: Path, line: int) -> tuple[tuple[int, int], ...]:
    where = f"anomaly_sequences of {path} line {line}"
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        raise DataError(
            f"{where} is {text!r}; expected a list such as [[10, 20], [40, 45]]"
        ) from None
    pairs = []
    for pair in value if isinstance(value, list | tuple) else [value]:
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(isinstance(v, int) for v in pair)
            or not 0 <= pair[0] <= pair[1]
        ):
            raise DataError(
                f"{where} holds {pair!r}; expected [start, end] row positions, 0 <= start <= end"
            )
        pairs.append((int(pair[0]), int(pair[1])))
    return tuple(pairs)


def _count(text: str, path: Path, line: int) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise DataError(
            f"num_values of {path} line {line} is {text!r}; expected a whole number"
        ) from None


def nasa_channels(root: str | Path, labels: dict[str, Channel] | None = None) -> list[str]:
    """The channels of labeled_anomalies.csv whose train and test arrays are both present."""
    root = Path(root)
    labels = labels if labels is not None else read_labels(root)
    present = [
        c for c in labels if all((root / part / f"{c}.npy").is_file() for part in ("train", "test"))
    ]
    if len(present) < len(labels):
        absent = [c for c in labels if c not in set(present)]
        log.info(
            "NASA %s: %d labeled channel(s) have no train and test .npy here and are skipped, "
            "e.g. %s",
            root,
            len(absent),
            absent[0],
        )
    return present


def _array(path: Path) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(f"cannot read {path} as a .npy array: {exc}") from None
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or not array.size or not np.issubdtype(array.dtype, np.number):
        raise DataError(
            f"{path} holds a {array.dtype} array of shape {array.shape}; expected a 2-D numeric "
            "array (rows x columns, column 0 the telemetry value)"
        )
    return array.astype(np.float64)


def _fill(values: np.ndarray, policy: MissingPolicy, path: Path) -> np.ndarray:
    """Non-finite values refused, or filled along the rows as `data.missing` says."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return values
    row = int(np.flatnonzero(bad.any(axis=1))[0])
    if policy in (MissingPolicy.error, MissingPolicy.drop):
        raise DataError(
            f"missing or infinite values in {path} at row {row} (0-based; set data.missing to "
            "ffill or interpolate: rows of a .npy are positions, so drop is not offered)"
        )
    frame = pd.DataFrame(np.where(bad, np.nan, values))
    if policy is MissingPolicy.ffill:
        filled = frame.ffill()
    else:
        filled = frame.interpolate(limit_area="inside")
    if filled.isna().any().any():
        raise DataError(
            f"data.missing={policy.value} cannot fill the missing values at the start or end of "
            f"{path}; use data.missing=interpolate or ffill on data that has a first value"
        )
    return filled.to_numpy()


def load_nasa(root: str | Path, chan_id: str, data: NasaDataConfig | None = None) -> Series:
    """One channel: its training rows then its test rows, train_end between them, the
    labeled test rows 1."""
    root = Path(root)
    data = data or NasaDataConfig(root=str(root))
    labels = read_labels(root)
    channel = labels.get(chan_id)
    if channel is None:
        raise DataError(
            f"Received: data.series={chan_id} (not a chan_id of {root / LABELS_FILE}; e.g. "
            f"{', '.join(list(labels)[:3])})"
        )
    paths = [root / part / f"{chan_id}.npy" for part in ("train", "test")]
    for path in paths:
        if not path.is_file():
            raise DataError(f"channel {chan_id} has no {path} (expected train/ and test/ .npy)")
    train, test = (_array(path) for path in paths)
    full_test = len(test)
    if full_test != channel.num_values:
        raise DataError(
            f"{LABELS_FILE} gives num_values={channel.num_values} for {chan_id} but {paths[1]} "
            f"has {full_test} rows (its labels are test row positions: the files must be the "
            "same release)"
        )
    if data.rows is not None:
        if data.rows < 1:
            raise DataError(f"Received: data.rows={data.rows} (must be at least 1)")
        train, test = train[: data.rows], test[: data.rows]
    missing = MissingPolicy(data.missing)
    train, test = _fill(train, missing, paths[0]), _fill(test, missing, paths[1])
    if train.shape[1] != test.shape[1]:
        raise DataError(
            f"{paths[0]} has {train.shape[1]} columns and {paths[1]} {test.shape[1]} (a "
            "channel's arrays must have the same columns)"
        )
    for start, end in channel.sequences:
        if end >= full_test:  # checked on the whole test array, before data.rows
            raise DataError(
                f"{LABELS_FILE} labels rows {start}..{end} of {chan_id}, past its {full_test} "
                "test rows"
            )
    values = np.concatenate([train, test])
    names = ("telemetry", *(f"command_{j}" for j in range(1, values.shape[1])))
    keep = [0] if NasaColumns(data.columns) is NasaColumns.telemetry else list(range(len(names)))
    repairs = {}
    if len(keep) > 1 and ConstantColumns(data.constant_columns) is ConstantColumns.drop:
        flat = [j for j in keep[1:] if np.ptp(train[:, j]) == 0]
        keep = [j for j in keep if j not in set(flat)]
        if flat:
            repairs["constant_columns_dropped"] = len(flat)
            log.info(
                "%s: %d command column(s) constant over the training rows dropped, %d kept",
                chan_id,
                len(flat),
                len(keep) - 1,
            )
    series_labels = np.zeros(len(values), dtype=np.int8)
    for start, end in channel.sequences:
        series_labels[len(train) + start : len(train) + end + 1] = 1
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    digest.update(json.dumps([channel.chan_id, channel.sequences]).encode())
    return Series(
        name=chan_id,
        timestamps=pd.RangeIndex(len(values)),
        values=values[:, keep],
        columns=tuple(names[j] for j in keep),
        labels=series_labels,
        source=f"{root.resolve()}/{{train,test}}/{chan_id}.npy",
        sha256=digest.hexdigest(),
        train_end=len(train),
        repairs=repairs,
    )


def nasa_examples(folder: Path) -> SourceExamples:
    """A one-channel archive (3 columns, one command constant over training), and one whose
    labels give a num_values the test array does not have."""
    rng = np.random.default_rng(0)
    for name, num_values in (("good", 60), ("bad", 61)):
        root = folder / name
        (root / "train").mkdir(parents=True)
        (root / "test").mkdir()
        for part, n in (("train", 80), ("test", 60)):
            array = np.zeros((n, 3))
            array[:, 0] = np.sin(np.arange(n) / 4) + rng.normal(0, 0.05, n)
            array[::7, 1] = 1.0 if part == "test" else 0.0  # constant over training
            array[::5, 2] = 1.0
            np.save(root / part / "A-1.npy", array)
        (root / LABELS_FILE).write_text(
            "chan_id,spacecraft,anomaly_sequences,class,num_values\n"
            f'A-1,SMAP,"[[20, 29]]",[point],{num_values}\n'
        )
    return SourceExamples(
        valid=NasaDataConfig(root=str(folder / "good")),
        malformed=NasaDataConfig(root=str(folder / "bad"), category="SMAP"),
    )


@register_source(NasaDataConfig, examples=nasa_examples)
def load_nasa_dataset(data: NasaDataConfig) -> Dataset:
    """The channel `data.series`, the channels of `data.file_list`, every channel of the
    spacecraft `data.category`, or every channel present."""
    if data.category and (data.series or data.file_list):
        chosen = f"series={data.series}" if data.series else f"file_list={data.file_list}"
        raise ConfigError(
            f"Received: data.category={data.category} and data.{chosen} (set one: a "
            "spacecraft, one channel or a list of channels)"
        )
    labels = read_labels(data.root)
    available = nasa_channels(data.root, labels)
    listed = None
    if data.category:
        spacecraft = sorted({c.spacecraft for c in labels.values()})
        if data.category not in spacecraft:
            raise DataError(
                f"Received: data.category={data.category} (spacecraft in "
                f"{Path(data.root) / LABELS_FILE}: {', '.join(spacecraft)})"
            )
        listed = [c for c in available if labels[c].spacecraft == data.category]
        if not listed:
            raise DataError(
                f"no channel of {data.category} in {data.root} has its train and test .npy "
                "(expected train/<chan>.npy and test/<chan>.npy)"
            )
    if not available:
        raise DataError(
            f"no channel of {Path(data.root) / LABELS_FILE} has its train and test .npy in "
            f"{data.root} (expected train/<chan>.npy and test/<chan>.npy)"
        )
    return collection_dataset(
        data, available, lambda name: load_nasa(data.root, name, data), listed=listed
    )
