"""Labeled sources: the synthetic generator, the NAB layout, duplicates and resampling."""

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from tsadlab.data.csv_series import load_csv
from tsadlab.data.resample import resample_series
from tsadlab.data.sources import load_dataset
from tsadlab.data.sources.nab import NabDataConfig, load_nab, nab_series_names, window_labels
from tsadlab.data.sources.synthetic import ANOMALY_KINDS, SyntheticDataConfig, synthetic_series
from tsadlab.errors import ConfigError, DataError
from tsadlab.intervals import flag_runs


def test_synthetic_is_reproducible_and_labeled():
    a = synthetic_series(length=3000, n_anomalies=5, anomaly_length=40, seed=7)
    b = synthetic_series(length=3000, n_anomalies=5, anomaly_length=40, seed=7)
    np.testing.assert_array_equal(a.values, b.values)
    assert a.sha256 == b.sha256
    assert (
        a.sha256 != synthetic_series(length=3000, n_anomalies=5, anomaly_length=40, seed=8).sha256
    )
    runs = flag_runs(a.labels.astype(bool))
    # one run per anomaly, cycling through the kinds: a spike is 1 row, the rest 40
    assert [b - a + 1 for a, b in runs] == [1, 40, 40, 40, 40]
    assert runs[0, 0] >= 1500  # nothing in the clean first half


@pytest.mark.parametrize("kind", ANOMALY_KINDS)
def test_each_anomaly_kind_changes_the_labeled_rows(kind):
    clean = synthetic_series(length=2000, n_anomalies=0, seed=1)
    series = synthetic_series(length=2000, anomalies=[kind], n_anomalies=1, seed=1)
    changed = ~np.isclose(series.values[:, 0], clean.values[:, 0])
    assert changed.any()
    assert not changed[series.labels == 0].any()


def test_synthetic_rejects_impossible_settings():
    with pytest.raises(ConfigError, match="at most .* anomalies"):
        synthetic_series(length=1000, n_anomalies=50, anomaly_length=50)
    with pytest.raises(ConfigError, match="data.anomalies"):
        synthetic_series(anomalies=["earthquake"])


def test_synthetic_suite_is_one_series_per_kind_sharing_the_clean_part():
    data = SyntheticDataConfig(
        length=2000,
        anomalies=["spike", "flatline", "level_shift"],
        n_anomalies=3,
        anomaly_length=40,
        seed=4,
        name="suite",
        suite=True,
    )
    dataset = load_dataset(data)
    assert dataset.names == ("suite_spike", "suite_flatline", "suite_level_shift")
    spike, flatline, shift = (dataset.load(name) for name in dataset.names)
    assert [s.name for s in (spike, flatline, shift)] == list(dataset.names)
    assert spike.labels.sum() == 3 and flatline.labels.sum() == shift.labels.sum() == 120
    # the same clean signal and noise: the series differ only where one is labeled
    differ = ~np.isclose(flatline.values[:, 0], shift.values[:, 0])
    assert differ.any() and not differ[(flatline.labels == 0) & (shift.labels == 0)].any()
    assert len(load_dataset(replace(data, suite=False))) == 1
    with pytest.raises(ConfigError, match="distinct kinds"):
        load_dataset(replace(data, anomalies=["spike", "spike"]))


def test_nab_series_labels_cover_windows_inclusive(nab_root):
    series = load_nab(nab_root, "cat/a.csv")
    labeled = series.timestamps[series.labels == 1]
    assert labeled[0] == pd.Timestamp("2020-01-01 10:00") and labeled[-1] == pd.Timestamp(
        "2020-01-01 11:00"
    )
    assert series.labels.sum() == 13  # 10:00 .. 11:00 every 5 minutes
    assert series.name == "cat__a"


def test_nab_category_skips_absent_files(nab_root):
    assert nab_series_names(nab_root, "cat") == ["cat/a.csv", "cat/b.csv"]
    with pytest.raises(DataError, match="data.category=dog .*categories .*: cat"):
        nab_series_names(nab_root, "dog")


def test_nab_errors(nab_root, tmp_path):
    with pytest.raises(DataError, match="must hold data/<category>"):
        load_nab(tmp_path / "nowhere", "cat/a.csv")
    with pytest.raises(DataError, match="data.series=cat/zzz.csv"):
        load_nab(nab_root, "cat/zzz.csv")
    base = NabDataConfig(root=str(nab_root))
    assert load_dataset(base).names == ("cat__a", "cat__b")  # no selection: every series
    assert len(load_dataset(replace(base, category="cat"))) == 2


def test_real_nab_corpus_when_present():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "shared" / "data" / "nab"
    if not root.is_dir():
        pytest.skip("the NAB corpus is not beside this checkout")
    names = nab_series_names(root, "realTweets")
    assert len(names) == 10
    series = load_nab(root, names[0])
    assert series.labels.sum() > 0


def test_window_labels_hand_computed():
    stamps = pd.date_range("2020-01-01", periods=6, freq="h")
    labels = window_labels(stamps, [["2020-01-01 01:00", "2020-01-01 02:30"]])
    assert labels.tolist() == [0, 1, 1, 0, 0, 0]


@pytest.mark.parametrize(("policy", "expected"), [("mean", 2.0), ("first", 1.0), ("last", 3.0)])
def test_duplicate_timestamps_by_policy(write_csv, policy, expected):
    path = write_csv("ts,v,l\n2020-01-01,5,0\n2020-01-02,1,0\n2020-01-02,3,1\n2020-01-03,4,0\n")
    series = load_csv(path, "ts", ["v"], label_column="l", duplicates=policy)
    assert series.values[:, 0].tolist() == [5.0, expected, 4.0]
    assert series.labels.tolist() == [0, 1, 0]


def test_resample_means_and_labels_by_max():
    stamps = pd.date_range("2020-01-01", periods=8, freq="5min")
    from tsadlab.data.series import Series

    series = Series(
        "s",
        stamps,
        np.arange(8.0).reshape(-1, 1),
        ("v",),
        np.array([0, 0, 0, 1, 0, 0, 0, 0], dtype=np.int8),
        "mem",
        "0" * 64,
    )
    out = resample_series(series, "10min")
    assert out.values[:, 0].tolist() == [0.5, 2.5, 4.5, 6.5]
    assert out.labels.tolist() == [0, 1, 0, 0]
    with pytest.raises(ConfigError, match="data.resample=often"):
        resample_series(series, "often")


def test_resampling_across_a_gap_keeps_a_labeled_window_whole():
    from tsadlab.data.series import Series

    # rows every 5 min with a 20-minute hole inside the labeled stretch and one outside it
    minutes = [0, 5, 10, 35, 40, 45, 50, 80, 85]
    stamps = pd.Timestamp("2020-01-01") + pd.to_timedelta(minutes, unit="min")
    labels = np.array([0, 1, 1, 1, 1, 0, 0, 0, 0], dtype=np.int8)
    series = Series(
        "s",
        pd.DatetimeIndex(stamps),
        np.arange(9.0).reshape(-1, 1),
        ("v",),
        labels,
        "mem",
        "0" * 64,
    )
    out = resample_series(series, "5min")
    assert len(flag_runs(out.labels.astype(bool))) == 1  # one labeled run, not two
    assert out.labels[2:8].all()  # 10 .. 40 minutes, the hole included
    assert not out.labels[11:17].any()  # the hole outside the window stays unlabeled


def test_a_category_without_a_readable_series_is_an_error(nab_root, tmp_path):
    """It used to "finish" with 0 series, F1 0.0 and exit 0."""
    (nab_root / "data" / "empty").mkdir()
    windows = json.loads((nab_root / "labels" / "combined_windows.json").read_text())
    windows["empty/gone.csv"] = []
    (nab_root / "labels" / "combined_windows.json").write_text(json.dumps(windows))
    with pytest.raises(DataError, match="NAB category empty in .* has no labeled series whose"):
        load_dataset(NabDataConfig(root=str(nab_root), category="empty"))


def shuffled_hour(nab_root) -> tuple:
    """NAB's full release holds a file with an hour of timestamps repeated out of order: one
    here, the rows of 01:00 .. 01:55 written again (other values) after 02:00."""
    path = nab_root / "data" / "cat" / "a.csv"
    lines = path.read_text().splitlines()
    repeated = [f"{t},{float(v) + 9}" for t, v in (line.split(",") for line in lines[13:25])]
    path.write_text("\n".join([*lines[:26], *repeated, *lines[26:]]) + "\n")
    return path, float(lines[13].split(",")[1])  # the first repeated row's value


def test_a_benchmark_file_out_of_order_is_sorted_merged_and_recorded(nab_root, caplog):
    _, one_o_clock = shuffled_hour(nab_root)
    caplog.set_level("INFO")
    series = load_nab(nab_root, "cat/a.csv")
    assert series.timestamps.is_monotonic_increasing and series.timestamps.is_unique
    assert len(series) == 300  # the repeated hour merged into the rows it repeats
    # sorted stably, each repeat lands after its original: 24 rows from 01:05 on move
    assert series.repairs == {"rows_moved_by_sort": 24, "duplicate_rows_merged": 12}
    assert "rows moved by sort 24, duplicate rows merged 12" in caplog.text
    assert series.values[12, 0] == pytest.approx(one_o_clock + 4.5)  # duplicates: their mean


def test_a_plain_csv_out_of_order_is_refused_unless_asked_to_sort(nab_root):
    path, _ = shuffled_hour(nab_root)
    with pytest.raises(DataError, match="not in increasing order: line 27 .* data.order=sort"):
        load_csv(path, "timestamp", ["value"])
    with pytest.raises(DataError, match="duplicate timestamp 2020-01-01 01:00:00 .* lines 14"):
        load_csv(path, "timestamp", ["value"], order="sort")
    merged = load_csv(path, "timestamp", ["value"], order="sort", duplicates="first")
    assert len(merged) == 300 and merged.repairs["duplicate_rows_merged"] == 12


def test_a_run_records_what_its_file_needed(tmp_path, nab_root):
    from conftest import compose_config, tiny_nab

    from tsadlab.run import run

    shuffled_hour(nab_root)
    result = run(compose_config(tiny_nab(nab_root)), tmp_path / "run")
    series = json.loads((tmp_path / "run" / "series" / "cat__a" / "metrics.json").read_text())
    assert series["data"]["repairs"] == {"rows_moved_by_sort": 24, "duplicate_rows_merged": 12}
    assert result.metrics["failed_series"] == []
