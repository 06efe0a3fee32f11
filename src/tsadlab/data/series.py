"""The loaded time series that every data source returns."""

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Series:
    """A loaded time series: n timestamps, (n, d) float values, optional (n,) 0/1 labels."""

    name: str
    timestamps: pd.DatetimeIndex
    values: np.ndarray
    columns: tuple[str, ...]
    labels: np.ndarray | None
    source: str
    sha256: str

    def __len__(self) -> int:
        return len(self.timestamps)
