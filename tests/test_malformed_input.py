"""Generated malformed input thrown at the loaders, preparation, windowing, thresholds,
metrics and config: each gives one clear line (a TsadlabError) or a result that is checked
to be correct, never an exception from inside numpy, pandas or Keras."""

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, compose_config
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tsadlab import run_series
from tsadlab.cli import common as cli
from tsadlab.data.config import DataConfig, MissingPolicy, Scaler, Transform
from tsadlab.data.csv_series import load_csv
from tsadlab.data.prepare import MIN_SCALED_SPREAD, prepare
from tsadlab.data.series import Series
from tsadlab.data.sources.nab import window_labels
from tsadlab.data.windows import model_windows
from tsadlab.errors import TsadlabError
from tsadlab.metrics import labeled_report
from tsadlab.run import run
from tsadlab.thresholds import THRESHOLDS

FILES = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Timestamp formats a file may use; `offset` writes a UTC offset that differs between rows.
TIME_FORMATS = {
    "iso": "%Y-%m-%d %H:%M:%S",
    "date": "%Y-%m-%d",
    "month_first": "%m/%d/%Y %H:%M",
    "day_first": "%d/%m/%Y %H:%M",
    "offset": "%Y-%m-%dT%H:%M:%S%z",
}
GOOD_VALUE_TEXT = st.floats(-1e9, 1e9).map(repr)
VALUE_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64).map(repr),
    st.sampled_from(["", "nan", "NaN", " 3 ", "1,5", "abc", "1e400", "-0", "1e-320"]),
)
GOOD_LABEL_TEXT = st.sampled_from(["0", "1", "1.0", " 0 "])
LABEL_TEXT = st.sampled_from(["0", "1", "2", "", "true", "-1"])


def one_line(exc: TsadlabError) -> str:
    message = str(exc)
    assert message and "\n" not in message, message
    return message


def parse_value(text: str) -> float | None:
    """What a value cell means: a finite number, or None (missing, not a number, infinite)."""
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@st.composite
def csv_files(draw):
    """A CSV file's text, plus what a correct reader must return from it (or None when the
    file is malformed on purpose and only an error is acceptable)."""
    n = draw(st.integers(0, 25))
    kind = draw(st.sampled_from(sorted(TIME_FORMATS)))
    start = draw(st.datetimes(dt.datetime(1971, 1, 1), dt.datetime(2030, 1, 1)))
    step = dt.timedelta(minutes=draw(st.sampled_from([1, 60, 60 * 24, 60 * 24 * 3])))
    local = [start + i * step for i in range(n)]
    offsets = [dt.timedelta(hours=draw(st.sampled_from([0, 1, 2, -5]))) for _ in range(n)]
    stamps = [
        t.replace(tzinfo=dt.timezone(o)).strftime(TIME_FORMATS[kind])
        if kind == "offset"
        else t.strftime(TIME_FORMATS[kind])
        for t, o in zip(local, offsets, strict=True)
    ]
    mutation = draw(st.sampled_from(["none", "none", "none", "swap", "duplicate", "garbage"]))
    if n >= 2 and mutation == "swap":
        stamps[0], stamps[1] = stamps[1], stamps[0]
    if n >= 2 and mutation == "duplicate":
        stamps[1] = stamps[0]
    if n >= 1 and mutation == "garbage":
        stamps[-1] = draw(st.sampled_from(["", "yesterday", "2020-13-45", "32/01/2020 10:00"]))
    # half the files hold only good cells, so that a correct read is checked often
    good = draw(st.booleans())
    values = draw(st.lists(GOOD_VALUE_TEXT if good else VALUE_TEXT, min_size=n, max_size=n))
    label_text = GOOD_LABEL_TEXT if good else LABEL_TEXT
    labels = draw(st.none() | st.lists(label_text, min_size=n, max_size=n))
    delimiter = draw(st.sampled_from([",", ",", ",", ",", ";", "\t"]))
    header = ["timestamp", "value"] + (["label"] if labels is not None else [])
    rows = [[stamps[i], values[i]] + ([labels[i]] if labels is not None else []) for i in range(n)]
    quote = (lambda cell: f'"{cell}"') if delimiter == "," else (lambda cell: cell)
    lines = [delimiter.join(header)] + [delimiter.join(quote(c) for c in row) for row in rows]
    text = ("\ufeff" if draw(st.booleans()) else "") + "\n".join(lines) + "\n"
    if mutation != "none" or delimiter != ",":
        return text, None
    times = [dt.datetime.strptime(s, TIME_FORMATS[kind]) for s in stamps]
    if kind == "offset":  # read as UTC
        times = [t.astimezone(dt.UTC).replace(tzinfo=None) for t in times]
    expected = {
        "times": times,
        "values": [parse_value(v) for v in values],
        "labels": None if labels is None else [parse_value(v) for v in labels],
    }
    return text, expected


@FILES
@given(csv_files(), st.sampled_from(list(MissingPolicy)))
def test_csv_files_load_correctly_or_fail_in_one_line(tmp_path, file, missing):
    text, expected = file
    path = tmp_path / "series.csv"
    path.write_text(text, encoding="utf-8")
    label = "label" if "label" in text.splitlines()[0] else None
    try:
        series = load_csv(path, "timestamp", ["value"], label_column=label, missing=missing)
    except TsadlabError as exc:
        event("error")
        one_line(exc)
        return
    n = len(series)
    assert n >= 1 and series.values.shape == (n, 1)
    assert np.isfinite(series.values).all()
    assert series.timestamps.is_monotonic_increasing and series.timestamps.is_unique
    assert series.timestamps.tz is None
    if series.labels is not None:
        assert set(np.unique(series.labels)) <= {0, 1}
    if expected is None or missing is not MissingPolicy.error:
        return
    # A file read without complaint is read exactly: every time, value and label.
    event(f"read exactly ({'labeled' if expected['labels'] else 'unlabeled'})")
    assert list(series.timestamps.to_pydatetime()) == expected["times"]
    assert series.values[:, 0].tolist() == expected["values"]
    if expected["labels"] is not None:
        assert series.labels.tolist() == expected["labels"]


def test_ambiguous_day_month_order_is_refused_not_guessed(write_csv):
    path = write_csv("timestamp,value\n01/02/2020,1\n02/02/2020,2\n03/02/2020,3\n")
    with pytest.raises(TsadlabError, match="ambiguous dates .*set data.time_format"):
        load_csv(path, "timestamp", ["value"])
    series = load_csv(path, "timestamp", ["value"], time_format="%d/%m/%Y")
    assert str(series.timestamps[0].date()) == "2020-02-01"


def test_day_first_dates_are_read_day_first_when_only_that_reads_them(write_csv):
    path = write_csv("timestamp,value\n12/01/2020,1\n13/01/2020,2\n")
    assert [str(t.date()) for t in load_csv(path, "timestamp", ["value"]).timestamps] == [
        "2020-01-12",
        "2020-01-13",
    ]


def test_offsets_across_a_dst_change_become_utc(write_csv):
    path = write_csv("timestamp,value\n2020-03-29T01:30:00+01:00,1\n2020-03-29T03:30:00+02:00,2\n")
    stamps = load_csv(path, "timestamp", ["value"]).timestamps
    assert [str(t) for t in stamps] == ["2020-03-29 00:30:00", "2020-03-29 01:30:00"]


@pytest.mark.parametrize(("unit", "text"), [("unix_s", "1577836800"), ("unix_ms", "1577836800000")])
def test_unix_times(write_csv, unit, text):
    path = write_csv(f"timestamp,value\n{text},1\n")
    assert str(load_csv(path, "timestamp", ["value"], time_format=unit).timestamps[0]) == (
        "2020-01-01 00:00:00"
    )


def pd_index(n: int) -> pd.DatetimeIndex:
    return pd.date_range("2020-01-01", periods=n, freq="D")


SERIES_VALUES = st.one_of(
    st.floats(-1e6, 1e6),
    st.sampled_from([0.0, -1.0, 1e-300, 1e300, -1e308, 5.0]),
)


@settings(max_examples=150, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(1, 3)), elements=SERIES_VALUES),
    st.sampled_from(list(Transform)),
    st.sampled_from(list(Scaler)),
    st.floats(0.0, 1.2),
)
def test_preparation_gives_usable_model_input_or_one_line(values, transform, scaler, fraction):
    n, d = values.shape
    series = Series(
        name="s",
        timestamps=pd_index(n),
        values=values,
        columns=tuple(f"c{j}" for j in range(d)),
        labels=None,
        source="generated",
        sha256="",
    )
    try:
        data = DataConfig(train_fraction=fraction, transform=transform, scaler=scaler)
        prepared = prepare(series, data)
    except TsadlabError as exc:
        one_line(exc)
        return
    x = prepared.model_input
    assert x.dtype == np.float32 and np.isfinite(x).all()
    assert 1 <= prepared.n_train <= len(x)
    assert (np.ptp(x[: prepared.n_train], axis=0) >= MIN_SCALED_SPREAD).all()
    if transform is Transform.log_return:
        assert (values > 0).all()
    if scaler is Scaler.standard:  # fitted on the training part only
        train = x[: prepared.n_train].astype(np.float64)
        np.testing.assert_allclose(train.mean(axis=0), 0, atol=1e-3)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 40),
    st.integers(-3, 45),
    st.integers(-2, 8),
    st.sampled_from(["reconstruction", "next", "forecast"]),
)
def test_windows_are_exact_or_one_line(n, window, stride, target):
    values = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    try:
        x, y = model_windows(values, window, target, stride)
    except TsadlabError as exc:
        one_line(exc)
        return
    span = window + (target == "next")
    assert len(x) == (n - span) // stride + 1
    for i in (0, len(x) - 1):
        np.testing.assert_array_equal(x[i], values[i * stride : i * stride + window])
    if target == "next":
        np.testing.assert_array_equal(y[-1], values[(len(x) - 1) * stride + window])


SCORES = arrays(
    np.float64,
    st.integers(0, 60),
    elements=st.one_of(
        st.floats(-1e6, 1e6), st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.0, 1e30])
    ),
)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(THRESHOLDS.names()), SCORES)
def test_thresholds_fit_or_fail_in_one_line(name, scores):
    labels = (np.arange(len(scores)) % 7 == 0).astype(np.int8)
    try:
        strategy = THRESHOLDS.get(name)().fit(scores, labels)
        flags = strategy.predict(scores)
    except TsadlabError as exc:
        one_line(exc)
        return
    assert flags.dtype == bool and flags.shape == scores.shape
    assert not flags[np.isnan(scores)].any()  # rows without a score are never flagged
    assert not np.isnan(strategy.threshold_)


@settings(max_examples=100, deadline=None)
@given(
    arrays(np.int64, st.integers(1, 50), elements=st.sampled_from([0, 1, 1, 0, 2, -1])),
    st.data(),
)
def test_metrics_refuse_labels_that_are_not_binary(labels, data):
    n = len(labels)
    flags = data.draw(arrays(np.bool_, n))
    scores = data.draw(arrays(np.float64, n, elements=st.floats(-10, 10) | st.just(np.nan)))
    try:
        report = labeled_report(labels, flags, scores, buffer=3)
    except TsadlabError as exc:
        assert not np.isin(labels, (0, 1)).all()
        one_line(exc)
        return
    assert np.isin(labels, (0, 1)).all()
    for part in ("point", "event", "point_adjusted"):
        assert all(0.0 <= report[part][k] <= 1.0 for k in ("precision", "recall", "f1"))


@pytest.mark.parametrize(
    "windows",
    [[["2020-01-02", "2020-01-01"]], [["2020-01-01"]], [["soon", "later"]], ["2020-01-01"]],
)
def test_malformed_label_windows_are_one_line(windows):
    with pytest.raises(TsadlabError, match="label window .* of s"):
        window_labels(pd_index(10), windows, "s")


def test_label_windows_outside_the_series_label_nothing_and_are_logged(caplog):
    labels = window_labels(pd_index(10), [["1999-01-01", "1999-02-01"], ["2020-01-09", "2021"]])
    assert labels.tolist() == [0] * 8 + [1, 1]  # the second is clipped to the series
    assert "1 label window(s) cover no row" in caplog.text


CONFIG_KEYS = [
    "seed",
    "data.window",
    "data.stride",
    "data.train_fraction",
    "data.transform",
    "model.encoder_units",
    "model.dropout",
    "trainer.epochs",
    "trainer.batch_size",
    "threshold.q",
    "scoring.alignment",
    "backend",
]
OVERRIDE_VALUES = st.one_of(
    st.integers(-(2**40), 2**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(alphabet="abcxyz_-.01", max_size=6),
    st.lists(st.integers(-3, 300), max_size=3).map(lambda v: str(v).replace(" ", "")),
    st.sampled_from(["null", "true", "[a]", "{}", "''"]),
)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(CONFIG_KEYS), OVERRIDE_VALUES)
def test_wrong_types_in_overrides_are_one_line(key, value):
    problem = cli.precheck_overrides([f"{key}={value}", "hydra.run.dir=/tmp/x"], "config")
    assert problem is None or "\n" not in problem


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("seed=-1", "seed=-1 \\(must be in \\[0, 2\\*\\*32\\)\\)"),
        ("data.stride=0", "data.stride=0 \\(must be >= 1\\)"),
        ("data.window=1", "data.window=1 \\(must be >= 2\\)"),
        ("data.window=100000", "fewer than one window span of 100000 rows"),
        ("data.train_fraction=2", "data.train_fraction=2.0 \\(must be in \\(0, 1\\]\\)"),
        ("data.test_start=notadate", "data.test_start=notadate \\(must be a date"),
        ("data.rows=0", "data.rows=0 for .* \\(must be between 1 and"),
        ("model.dropout=1.5", "model.dropout=1.5 \\(must be in \\[0, 1\\)\\)"),
        ("model.encoder_units=[]", "model.encoder_units=\\[\\] \\(must be a non-empty list"),
        ("model.loss=foo", "model.loss=foo \\(must be a Keras loss"),
        ("model.optimizer=foo", "model.optimizer=foo \\(must be a Keras optimizer"),
        ("model.learning_rate=-1", "model.learning_rate=-1.0 \\(must be > 0\\)"),
        ("trainer.batch_size=0", "trainer.batch_size=0"),
        ("trainer.predict_batch_size=0", "trainer.predict_batch_size=0 \\(must be >= 1\\)"),
        ("trainer.predict_unroll_from=-1", "trainer.predict_unroll_from=-1 \\(must be >= 0"),
        ("trainer.validation_split=1.0", "trainer.validation_split=1.0 \\(must be in"),
        ("scoring.smoothing=2", "scoring.smoothing=2.0 \\(must be in \\[0, 1\\)\\)"),
        ("threshold.q=1.5", "threshold.q=1.5 \\(must be in \\(0, 1\\]\\)"),
        ("data.resample=xyz", "data.resample=xyz \\(must be a pandas offset"),
    ],
)
def test_out_of_range_values_are_one_line_before_training(tmp_path, monkeypatch, override, message):
    monkeypatch.setattr(run_series, "fit", lambda *a, **k: pytest.fail("trained"))
    with pytest.raises(TsadlabError, match=message) as raised:
        run(compose_config([*TINY, override]), tmp_path / "run")
    one_line(raised.value)


def test_a_data_folder_is_never_written(tmp_path: Path, write_csv):
    path = write_csv("timestamp,value\n2020-01-01,1\n2020-01-02,x\n")
    before = path.read_bytes()
    with pytest.raises(TsadlabError):
        load_csv(path, "timestamp", ["value"])
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["series.csv"]
