"""The scores table of a run (scores.csv) and the labeled metrics computed from it."""

import numpy as np
import pandas as pd

from tsadlab.data.windows import SPLIT_NAMES
from tsadlab.detection.detect import Detection
from tsadlab.metrics import labeled_report
from tsadlab.metrics.config import MetricsConfig
from tsadlab.metrics.vus import vus_buffer
from tsadlab.protocol import Protocol, scored_rows


def time_index(column: pd.Series) -> pd.Index:
    """A scores table's `timestamp` column as an index: times, or the row numbers of a series
    that has none (read back from scores.csv, times are text)."""
    if pd.api.types.is_integer_dtype(column):
        return pd.Index(column)
    return pd.DatetimeIndex(pd.to_datetime(column))


def value_names(columns: tuple[str, ...]) -> list[str]:
    """scores.csv names for the original values: 'value', or 'value_<column>' for several."""
    return ["value"] if len(columns) == 1 else [f"value_{c}" for c in columns]


def value_columns(frame: pd.DataFrame) -> list[str]:
    """The original-unit value columns of a scores table ('value' or 'value_<name>')."""
    return [c for c in frame.columns if c == "value" or c.startswith("value_")]


def scores_frame(
    timestamps: pd.Index,
    raw: np.ndarray,
    names: list[str],
    split: np.ndarray,
    scores: np.ndarray,
    detection: Detection,
    labels: np.ndarray | None,
) -> pd.DataFrame:
    """The scores.csv table: one row per timestamp (or row number), values in original
    units."""
    frame = pd.DataFrame({"timestamp": timestamps})
    for j, name in enumerate(names):
        frame[name] = raw[:, j]
    frame["split"] = pd.Categorical(split, categories=list(SPLIT_NAMES))
    frame["score"] = scores
    frame["threshold"] = detection.thresholds
    frame["is_anomaly"] = detection.flags.astype(np.int8)
    if labels is not None:
        frame["label"] = labels
    return frame


def labeled_metrics(
    frame: pd.DataFrame, metrics: MetricsConfig, protocol: Protocol = Protocol.split
) -> dict | None:
    """Every registered metric on the rows the protocol scores (`protocol.scored_rows`).
    VUS's buffer is `metrics.vus_buffer`, or by default TSB-AD's: the dominant period of the
    whole series' first value column."""
    if "label" not in frame:
        return None
    rows, which = scored_rows(frame["split"].to_numpy(), protocol)
    buffer, rule = vus_buffer(metrics.vus_buffer, frame[value_columns(frame)[0]].to_numpy())
    part = frame[rows]
    report = labeled_report(
        part["label"].to_numpy(),
        part["is_anomaly"].to_numpy(),
        part["score"].to_numpy(),
        buffer,
    )
    return {"protocol": protocol.value, "rows": which, **report, "vus_buffer_rule": rule}
