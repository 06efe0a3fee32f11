"""Evaluation protocols: which rows a model is fitted on and which rows its labeled metrics
are computed on. Every run records its protocol (`protocol` in config.yaml and
metrics.json), so a number is never read without it.

- `split` (default): fit on the training part (the source's own, else `data.train_fraction`
  or `data.test_start`) and score the rest: nothing scored was seen in training.
- `tsb_ad`: TSB-AD's (Liu & Paparrizos, NeurIPS 2024): fit on the file's training part
  (its `tr_<n>` rows; `data.train_fraction` where a source defines none) and compute the
  metrics over the whole series, training part included.
- `orion`: the Orion benchmark's (Wong et al., 2022): fit on the whole series and score
  all of it (unsupervised, the labels are never seen).
"""

from dataclasses import replace
from enum import Enum

import numpy as np

from tsadlab.data.config import DataConfig, ResampleFill
from tsadlab.errors import ConfigError


class Protocol(Enum):
    """Which rows are fitted and which are scored (see the module docstring)."""

    split = "split"
    tsb_ad = "tsb_ad"
    orion = "orion"


def fitted_data(data: DataConfig, protocol: Protocol) -> DataConfig:
    """The data config whose split `prepare` applies: Orion's fits on every row. Filling
    empty intervals with the series' mean (`data.resample_fill=mean`, Orion's) is refused
    with a split by fraction or date: the mean would carry test values into training rows."""
    if protocol is Protocol.orion:
        data = replace(data, train_fraction=1.0, test_start=None, source_split=False)
    mean_fill = data.resample and ResampleFill(data.resample_fill) is ResampleFill.mean
    if mean_fill and (data.train_fraction < 1.0 or data.test_start is not None):
        raise ConfigError(
            "Received: data.resample_fill=mean with a split by data.train_fraction or "
            "data.test_start (the whole series' mean would fill training intervals with "
            "test values: use protocol=orion or data.train_fraction=1.0, as Orion does, "
            "or data.resample_fill=interpolate)"
        )
    return data


def scored_rows(split: np.ndarray, protocol: Protocol) -> tuple[np.ndarray, str]:
    """The rows labeled metrics are computed on, and their name for metrics.json: the test
    part under `split` (every row when there is none), every row otherwise."""
    test = split == "test"
    if protocol is Protocol.split and test.any():
        return test, "test"
    return np.ones(len(split), dtype=bool), "all"
