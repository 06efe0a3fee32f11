import numpy as np
import pytest

from tsadlab.data.csv_series import load_csv
from tsadlab.data.sources.sp500 import Sp500DataConfig, load_sp500
from tsadlab.errors import DataError


def test_sp500_tutorial_rows_and_full_range():
    tutorial = load_sp500()
    assert len(tutorial) == 8192
    assert str(tutorial.timestamps[0].date()) == "1986-01-02"
    assert str(tutorial.timestamps[-1].date()) == "2018-06-29"
    full = load_sp500(Sp500DataConfig(rows=None))
    assert len(full) == 8644
    assert str(full.timestamps[-1].date()) == "2020-04-17"
    assert tutorial.values[0, 0] == pytest.approx(209.589996)
    assert len(tutorial.sha256) == 64


def test_csv_with_several_columns_and_labels(write_csv):
    path = write_csv("ts,a,b,lab\n2020-01-01,1,10,0\n2020-01-02,2,20,1\n2020-01-03,3.5,30,0\n")
    series = load_csv(path, "ts", ["a", "b"], label_column="lab")
    assert series.values.shape == (3, 2)
    assert series.labels.tolist() == [0, 1, 0]
    assert series.columns == ("a", "b")


def test_bom_and_padded_header_are_accepted(write_csv):
    path = write_csv("\ufeffts , value\n2020-01-01,1\n2020-01-02,2\n")
    assert load_csv(path, "ts", ["value"]).values[:, 0].tolist() == [1.0, 2.0]


GOOD = "ts,value\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n2020-01-04,4\n"


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("", {}, "data file is empty"),
        ("ts,value\n", {}, "header but no rows"),
        (GOOD, {"value_columns": ["valeu"]}, "column 'valeu' not found .*did you mean 'value'"),
        (GOOD, {"time_column": "time"}, "column 'time' not found"),
        ("ts,value\n2020-01-01,1\n2020-01-02,abc\n", {}, "non-numeric .* line 3 .*'abc'"),
        (
            "ts,value\n2020-01-01,1\n2020-01-02,1,5\n",
            {},
            "Expected 2 fields in line 3.*decimal point",
        ),
        (
            "ts;value\n2020-01-01;1\n",
            {},
            "header of .* looks separated by ';'; tsadlab reads comma-separated",
        ),
        (
            "ts,value\n2020-01-01,1\n2020-01-02,\n2020-01-03,inf\n",
            {},
            r"missing or infinite values .* line 3, 4 .*data.missing",
        ),
        ("ts,value\n2020-01-02,1\n2020-01-01,2\n", {}, "not in increasing order: line 3"),
        ("ts,value\n2020-01-01,1\n2020-01-01,2\n", {}, "duplicate timestamp .* lines 2 and 3"),
        ("ts,value\n2020-01-01,1\nyesterday,2\n", {}, "unparseable timestamps .* line 3"),
        (
            "ts,value,l\n2020-01-01,1,0\n2020-01-02,2,2\n",
            {"label_column": "l"},
            "must be 0 or 1; line 3 \\(first: '2'\\)",
        ),
    ],
)
def test_bad_csv_gives_one_clear_error(write_csv, text, kwargs, message):
    path = write_csv(text)
    args = {"time_column": "ts", "value_columns": ["value"], **kwargs}
    with pytest.raises(DataError, match=message) as info:
        load_csv(path, **args)
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value) or "data.rows" in str(info.value)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(DataError, match="data file not found: .*nope.csv"):
        load_csv(tmp_path / "nope.csv", "ts", ["value"])


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("ffill", [1.0, 1.0, 3.0]), ("interpolate", [1.0, 2.0, 3.0]), ("drop", [1.0, 3.0])],
)
def test_missing_value_policies(write_csv, policy, expected):
    path = write_csv("ts,value\n2020-01-01,1\n2020-01-02,NaN\n2020-01-03,3\n")
    series = load_csv(path, "ts", ["value"], missing=policy)
    assert series.values[:, 0].tolist() == expected
    assert len(series.timestamps) == len(expected)


def test_leading_gap_cannot_be_filled(write_csv):
    path = write_csv("ts,value\n2020-01-01,\n2020-01-02,2\n")
    with pytest.raises(DataError, match=r"cannot fill .*\(line 2\)"):
        load_csv(path, "ts", ["value"], missing="ffill")


def test_input_file_is_not_modified(write_csv):
    path = write_csv("ts,value\n2020-01-01,1\n2020-01-02,\n2020-01-03,3\n")
    before = path.read_bytes()
    load_csv(path, "ts", ["value"], missing="drop")
    assert path.read_bytes() == before
    assert np.isfinite(load_csv(path, "ts", ["value"], missing="drop").values).all()
