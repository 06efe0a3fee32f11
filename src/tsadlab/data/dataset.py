"""The `data` config -> the series of one run (one, or every series of a NAB category)."""

from collections.abc import Callable

from tsadlab.data.nab import load_nab, nab_series_names
from tsadlab.data.prepare import resample_series
from tsadlab.data.series import Series
from tsadlab.data.sources import load_csv, load_sp500
from tsadlab.data.synthetic import synthetic_series
from tsadlab.errors import ConfigError


def _sp500(data: dict) -> list[Series]:
    return [load_sp500(rows=data["rows"], name=data["name"])]


def _csv(data: dict) -> list[Series]:
    return [
        load_csv(
            data["path"],
            time_column=data["time_column"],
            value_columns=data["value_columns"],
            label_column=data["label_column"],
            time_format=data["time_format"],
            rows=data["rows"],
            missing=data["missing"],
            name=data["name"],
            duplicates=data["duplicates"],
        )
    ]


def _nab(data: dict) -> list[Series]:
    if bool(data["series"]) == bool(data["category"]):
        raise ConfigError(
            "data=nab needs exactly one of data.series=<category>/<file>.csv or "
            f"data.category=<category> (received series={data['series']}, "
            f"category={data['category']})"
        )
    names = [data["series"]] if data["series"] else nab_series_names(data["root"], data["category"])
    return [
        load_nab(
            data["root"],
            name,
            rows=data["rows"],
            missing=data["missing"],
            duplicates=data["duplicates"],
        )
        for name in names
    ]


SYNTHETIC_KEYS = (
    "length",
    "period",
    "amplitude",
    "trend",
    "noise",
    "anomalies",
    "n_anomalies",
    "anomaly_length",
    "clean_fraction",
    "seed",
    "freq",
    "name",
)


def _synthetic(data: dict) -> list[Series]:
    settings = {key: data[key] for key in SYNTHETIC_KEYS}
    if not data.get("suite"):
        return [synthetic_series(**settings)]
    if not data["anomalies"] or len(set(data["anomalies"])) < len(data["anomalies"]):
        raise ConfigError(
            f"Received: data.anomalies={list(data['anomalies'])} with data.suite=true (need "
            "distinct kinds, one series each)"
        )
    # One series per anomaly kind, from the same seed: the clean signal, the noise and the
    # anomaly positions are shared, so the series differ only in the kind injected.
    return [
        synthetic_series(**{**settings, "anomalies": [kind], "name": f"{data['name']}_{kind}"})
        for kind in data["anomalies"]
    ]


# data.source -> a loader taking the whole `data` config as a plain dict.
SOURCES: dict[str, Callable[[dict], list[Series]]] = {
    "sp500": _sp500,
    "csv": _csv,
    "nab": _nab,
    "synthetic": _synthetic,
}


def load_dataset(data: dict) -> list[Series]:
    """The series named by the `data` config (`data.source` picks the loader)."""
    if data["source"] not in SOURCES:
        raise ConfigError(
            f"Received: data.source={data['source']} (must be one of {tuple(SOURCES)})"
        )
    dataset = SOURCES[data["source"]](data)
    if data.get("resample"):
        dataset = [resample_series(series, data["resample"]) for series in dataset]
    return dataset
