"""The `metrics` config: settings of how a run's labeled metrics are computed."""

from dataclasses import dataclass

from tsadlab.errors import ConfigError


@dataclass
class MetricsConfig:
    """VUS's buffer: null takes TSB-AD's rule (the dominant period of the series' first
    value column, `vus.dominant_period`), a number fixes it."""

    vus_buffer: int | None = None

    def __post_init__(self) -> None:
        if self.vus_buffer is not None and self.vus_buffer < 0:
            raise ConfigError(f"Received: metrics.vus_buffer={self.vus_buffer} (must be >= 0)")
