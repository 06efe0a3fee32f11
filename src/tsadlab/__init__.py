"""tsadlab: config-driven Keras 3 research framework for time-series anomaly detection."""

__version__ = "0.1.0"
