"""A folder of labeled CSV files, one series each, read as `data=csv` reads one file: a time
column (or none: `time_column: null` numbers the rows), value columns, a 0/1 label column.

The training part is `data.train_fraction` of each series (or `data.test_start`), unless
`train_column` names a 0/1 column that marks it: 1 on the leading training rows, 0 on every
row after them (a 1 after a 0 is refused, naming its line). The marker column is read in
file order, so it cannot be combined with repairs that reorder or drop rows
(`data.order=sort`, `data.duplicates` other than error, `data.missing=drop`).

    tsadlab-train data=csv_folder data.root=$HOME/my_series data.time_column=null \\
        data.value_columns=[x,y] data.label_column=is_anomaly data.train_column=is_train
"""

from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import numpy as np

from tsadlab.data.collection import CollectionDataConfig, archive_files, collection_dataset
from tsadlab.data.config import DuplicatePolicy, MissingPolicy, OrderPolicy
from tsadlab.data.csv_parsing import file_line, read_frame, require_column
from tsadlab.data.series import Dataset, Series
from tsadlab.data.sources import SourceExamples, register_source
from tsadlab.data.sources.csv_file import load_csv_columns
from tsadlab.errors import ConfigError, DataError


@dataclass
class CsvFolderDataConfig(CollectionDataConfig):
    """A folder of labeled CSV files with the same columns, one series each; the training
    part by fraction or by a 0/1 column marking the leading rows."""

    source: str = "csv_folder"
    name: str = "csv_folder"
    pattern: str = "*.csv"  # which files under root form the collection (**/*.csv: subfolders)
    time_column: str | None = "timestamp"
    value_columns: list[str] = field(default_factory=lambda: ["value"])
    label_column: str | None = "label"
    time_format: str | None = None  # a strptime format, unix_s or unix_ms; null: inferred
    train_column: str | None = None  # 1 on the leading training rows, 0 after


def train_rows(path: Path, column: str, rows: int | None) -> int:
    """How many leading rows `column` marks as training (1, then only 0)."""
    frame = read_frame(path)
    require_column(frame, column, path)
    text = frame[column].str.strip().to_numpy()[:rows]
    bad = np.flatnonzero(~np.isin(text, ["0", "1", "0.0", "1.0"]))
    if len(bad):
        raise DataError(
            f"train column '{column}' of {path} must hold 0 or 1; line {file_line(bad[0])} "
            f"holds '{text[bad[0]]}'"
        )
    marked = text.astype(float) == 1
    n_train = int(np.argmin(marked)) if not marked.all() else len(marked)
    if marked[n_train:].any():
        after = n_train + int(np.argmax(marked[n_train:]))
        raise DataError(
            f"train column '{column}' of {path} marks line {file_line(after)} as training after "
            f"line {file_line(n_train)} marked test (it must mark leading rows: 1s, then 0s)"
        )
    if n_train == 0:
        raise DataError(
            f"train column '{column}' of {path} marks no leading training row (line 2 is 0)"
        )
    return n_train


def load_csv_folder_file(root: str | Path, name: str, data: CsvFolderDataConfig) -> Series:
    """One file of the folder (`name` relative to root)."""
    path = Path(root).expanduser() / name
    series = load_csv_columns(path, data, PurePosixPath(name).stem)
    if not data.train_column:
        return series
    return replace(series, train_end=train_rows(path, data.train_column, data.rows))


def _check_train_column(data: CsvFolderDataConfig) -> None:
    repairs = {
        "data.order=sort": OrderPolicy(data.order) is OrderPolicy.sort,
        f"data.duplicates={DuplicatePolicy(data.duplicates).value}": (
            DuplicatePolicy(data.duplicates) is not DuplicatePolicy.error
        ),
        "data.missing=drop": MissingPolicy(data.missing) is MissingPolicy.drop,
    }
    moving = [key for key, on in repairs.items() if on]
    if data.train_column and moving:
        raise ConfigError(
            f"Received: data.train_column={data.train_column} with {moving[0]} (the marker is "
            "read in file order; rows that are moved or dropped would shift it: repair the "
            "files, or split with data.train_fraction)"
        )
    if data.train_column and data.train_column in (*data.value_columns, data.label_column):
        raise ConfigError(
            f"Received: data.train_column={data.train_column}, which is also a value or label "
            "column (name the column that marks the training rows)"
        )


def csv_folder_examples(folder: Path) -> SourceExamples:
    """Two labeled files with a leading train marker, and one whose marker returns to 1."""
    good, bad = folder / "good", folder / "bad"
    good.mkdir()
    bad.mkdir()
    for name, spike in (("a", 30), ("b", 33)):
        rows = [
            f"{i},{(i % 7) * 0.5 + (5 if i == spike else 0)},{int(i == spike)},{int(i < 20)}"
            for i in range(40)
        ]
        (good / f"{name}.csv").write_text("t,value,label,is_train\n" + "\n".join(rows) + "\n")
    rows = [f"{i},{i % 3},0,{int(i < 10 or i == 25)}" for i in range(40)]
    (bad / "c.csv").write_text("t,value,label,is_train\n" + "\n".join(rows) + "\n")
    keys = {"time_column": None, "train_column": "is_train"}
    return SourceExamples(
        valid=CsvFolderDataConfig(root=str(good), **keys),
        malformed=CsvFolderDataConfig(root=str(bad), **keys),
    )


@register_source(CsvFolderDataConfig, examples=csv_folder_examples)
def load_csv_folder(data: CsvFolderDataConfig) -> Dataset:
    """`data.series`, the files of `data.file_list`, or every file `data.pattern` matches."""
    _check_train_column(data)
    names = archive_files(data.root, data.pattern, "the CSV files")
    if not names and not (data.series or data.file_list):
        raise DataError(
            f"no files match data.pattern={data.pattern} under {data.root} (set data.root to "
            "the folder of CSV files, or data.pattern to match them)"
        )
    return collection_dataset(
        data,
        list(names),
        lambda name: load_csv_folder_file(data.root, names[name], data),
        listed=sorted(set(names.values())),
        run_name=lambda name: PurePosixPath(name).stem,
    )
