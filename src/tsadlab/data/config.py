"""The `data` config: keys every source has, keys of file-based sources, and their choices.

Each data source extends `DataConfig` (or `FileDataConfig`) with its own keys in its own
module; a key a source does not honour is not in its schema, so setting it is an error that
names the valid keys.
"""

from dataclasses import dataclass, field
from enum import Enum

from omegaconf import MISSING

from tsadlab.data.volatility import Volatility


class Transform(Enum):
    """A stateless transform applied before the split (diff and log_return drop row 1)."""

    none = "none"
    diff = "diff"
    log_return = "log_return"


class Scaler(Enum):
    """A scikit-learn scaler fitted on the training part only."""

    standard = "standard"
    minmax = "minmax"
    robust = "robust"
    none = "none"


class ResampleOrigin(Enum):
    """Where `data.resample`'s intervals start: on the clock (pandas' default: midnight of the
    first day), or at the first timestamp (Orion's `time_segments_aggregate`)."""

    clock = "clock"
    start = "start"


class ResampleFill(Enum):
    """What an interval with no rows gets: a value interpolated in time, or the mean of the
    resampled series (Orion's aggregation then its `SimpleImputer`)."""

    interpolate = "interpolate"
    mean = "mean"


class MissingPolicy(Enum):
    """What to do with NaN or infinite values."""

    error = "error"
    ffill = "ffill"
    interpolate = "interpolate"
    drop = "drop"


class DuplicatePolicy(Enum):
    """What to do with rows that repeat a timestamp: refuse, or keep one value per time."""

    error = "error"
    mean = "mean"
    first = "first"
    last = "last"


class OrderPolicy(Enum):
    """What to do with timestamps out of order: refuse, or sort the rows stably by time."""

    error = "error"
    sort = "sort"


@dataclass
class DataConfig:
    """Keys every data source honours: how its series are split, scaled and windowed."""

    source: str = MISSING  # the registered source that loads the series
    name: str = MISSING  # the dataset's name in run folders and reports
    resample: str | None = None  # a pandas offset (600s, 1h): mean per interval
    resample_origin: ResampleOrigin = ResampleOrigin.clock
    resample_fill: ResampleFill = ResampleFill.interpolate
    train_fraction: float = 0.8  # rows before this fraction are the training period
    test_start: str | None = None  # a date: the test part starts there (overrides the fraction)
    # a series whose source defines its training part (a benchmark file) uses that split;
    # false: train_fraction / test_start always
    source_split: bool = True
    transform: Transform = Transform.none
    # returns in units of their recent volatility, each row's from the rows before it
    # (data/volatility.py): none, ewma (RiskMetrics), garch (GARCH(1,1) fitted on the training
    # part); needs transform log_return or diff
    volatility: Volatility = Volatility.none
    volatility_lambda: float = 0.94  # ewma's decay: RiskMetrics' value for daily returns
    volatility_warmup: int = 20  # first rows dropped: their variance rests on too few returns
    scaler: Scaler = Scaler.standard
    scaler_range: list[float] = field(default_factory=lambda: [0.0, 1.0])  # minmax's range
    window: int = 30
    stride: int = 1
    # rows at the end of each part that no window covers (unscored): Orion's
    # rolling_window_sequences stops one row early (its target_size), so its n - window windows
    tail_rows: int = 0


@dataclass
class FileDataConfig(DataConfig):
    """Keys of sources that read files: which rows, and how to repair what files contain."""

    rows: int | None = None  # the first `rows` data rows of each file
    missing: MissingPolicy = MissingPolicy.error
    duplicates: DuplicatePolicy = DuplicatePolicy.error
    order: OrderPolicy = OrderPolicy.error
