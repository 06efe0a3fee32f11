"""The loaded time series every data source returns, and the dataset of several."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from tsadlab.errors import DataError


@dataclass(frozen=True)
class Series:
    """A loaded time series: n times, (n, d) float values, optional (n,) 0/1 labels.

    `timestamps` is a DatetimeIndex, or a RangeIndex of row numbers for a series that has no
    times (a benchmark file of values and labels only). `train_end`, when the source defines
    it, is the number of leading rows that form the training part. `repairs` says what
    loading changed in the file's rows (sorted, merged), for metrics.json.
    """

    name: str
    timestamps: pd.Index
    values: np.ndarray
    columns: tuple[str, ...]
    labels: np.ndarray | None
    source: str
    sha256: str
    train_end: int | None = None
    repairs: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.timestamps)

    @property
    def timed(self) -> bool:
        """Whether the rows have times (else they are numbered)."""
        return isinstance(self.timestamps, pd.DatetimeIndex)


@dataclass(frozen=True)
class Dataset:
    """The series a data config names, loaded one at a time (a collection of hundreds need
    not be held in memory at once); `load(name).name == name`. `files` names the file each
    series comes from, relative to the archive's root, where the source reads an archive
    (benchmark tables are keyed by it)."""

    name: str
    names: tuple[str, ...]
    load: Callable[[str], Series]
    files: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, series: Series) -> "Dataset":
        """A dataset of one series already loaded."""
        return cls(series.name, (series.name,), lambda _: series)

    def __post_init__(self) -> None:
        if not self.names:
            raise DataError(f"dataset {self.name} holds no series; nothing to run")

    def __len__(self) -> int:
        return len(self.names)

    def only(self, name: str) -> "Dataset":
        """The dataset of its one series `name`."""
        if name not in self.names:
            shown = ", ".join(self.names[:3])
            raise DataError(
                f"series {name} is not in dataset {self.name} ({len(self)} series, e.g. {shown})"
            )
        return replace(self, names=(name,))
