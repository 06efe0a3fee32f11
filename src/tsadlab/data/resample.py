"""Resampling a series to fixed intervals (`data.resample`), as the Orion benchmark
aggregates NAB."""

from dataclasses import replace

import numpy as np
import pandas as pd

from tsadlab.data.config import ResampleFill, ResampleOrigin
from tsadlab.data.series import Series
from tsadlab.errors import ConfigError, choice


def resample_series(
    series: Series,
    rule: str,
    origin: ResampleOrigin = ResampleOrigin.clock,
    fill: ResampleFill = ResampleFill.interpolate,
) -> Series:
    """Mean of each `rule` interval (a pandas offset such as '600s' or '1h'); labels by max.

    Intervals start on the clock, or with `origin=start` at the first timestamp as Orion's
    `time_segments_aggregate` starts them. Intervals with no rows are interpolated in time,
    or with `fill=mean` get the mean of the non-empty intervals of the training part (of the
    whole series when the source defines no split: a split by fraction is refused with it,
    see `protocol.fitted_data`), as Orion's pipelines fill them (`SimpleImputer` after the
    aggregation); their label is 1 only inside a labeled window. A split the source defined
    moves to the first interval holding any test row: an interval that mixes training and
    test rows is test, so no test row is ever averaged into training.
    """
    origin = choice(ResampleOrigin, origin, "data.resample_origin")
    fill = choice(ResampleFill, fill, "data.resample_fill")
    bins = {"origin": "start" if origin is ResampleOrigin.start else "start_day"}
    if not series.timed:
        raise ConfigError(
            f"Received: data.resample={rule} for {series.name}, whose rows have no times "
            "(resampling needs timestamps; remove data.resample)"
        )
    try:
        frame = pd.DataFrame(series.values, index=series.timestamps).resample(rule, **bins)
    except ValueError:
        raise ConfigError(
            f"Received: data.resample={rule} (must be a pandas offset such as 600s, 1h, 1D)"
        ) from None
    values = frame.mean()
    train_end = series.train_end
    if train_end is not None and train_end < len(series):
        # the last original row of each interval (an empty one: of the intervals before it)
        last_row = pd.Series(np.arange(len(series)), index=series.timestamps)
        last_row = last_row.resample(rule, **bins)
        holds_test = last_row.max().ffill().to_numpy() >= train_end
        train_end = int(np.argmax(holds_test))
    if fill is ResampleFill.mean:
        # the training part's mean: no test value reaches a training row (Orion's protocol
        # fits on the whole series, whose mean it is then)
        values = values.fillna(values.iloc[:train_end].mean())
    else:
        values = values.interpolate(method="time", limit_direction="both")
    labels = None
    if series.labels is not None:
        grouped = pd.Series(series.labels, index=series.timestamps).resample(rule, **bins).max()
        # An empty interval inside a labeled window stays labeled, so that a gap in the data
        # does not split one labeled anomaly into several.
        inside = (grouped.ffill() == 1) & (grouped.bfill() == 1)
        labels = grouped.where(grouped.notna(), inside).to_numpy().astype(np.int8)
    timestamps = pd.DatetimeIndex(values.index)
    return replace(
        series, timestamps=timestamps, values=values.to_numpy(), labels=labels, train_end=train_end
    )
