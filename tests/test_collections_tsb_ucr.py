"""The TSB-AD, UCR-archive and CSV-folder sources: files in the exact layout their
publishers ship (names, columns, separators, one-line UCR files), real NAB values rewritten
into each layout, the one-line errors, and a whole run on a multivariate TSB-AD-M series."""

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import compose_config

from tsadlab.data.sources import load_dataset
from tsadlab.data.sources.csv_folder import CsvFolderDataConfig
from tsadlab.data.sources.tsb_ad import TsbAdDataConfig, official_lists
from tsadlab.data.sources.ucr import UcrDataConfig, UcrPositions
from tsadlab.errors import ConfigError, DataError, TsadlabError
from tsadlab.run import run

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
NAB = SHARED / "nab"
CPU_A = "realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv"
CPU_B = "realAWSCloudwatch/ec2_cpu_utilization_53ea38.csv"
JUMPS = "artificialWithAnomaly/art_daily_jumpsup.csv"

needs_nab = pytest.mark.skipif(
    not NAB.is_dir(), reason="the NAB corpus is not beside this checkout"
)


def nab_series(name: str) -> pd.DataFrame:
    """A real NAB series with its label windows as 0/1 labels (ends included)."""
    frame = pd.read_csv(NAB / "data" / name)
    windows = json.loads((NAB / "labels" / "combined_windows.json").read_text())[name]
    stamps = pd.to_datetime(frame["timestamp"])
    frame["label"] = 0
    for start, end in windows:
        frame.loc[(stamps >= pd.Timestamp(start)) & (stamps <= pd.Timestamp(end)), "label"] = 1
    return frame


def load_all(data) -> dict:
    dataset = load_dataset(data)
    return {name: dataset.load(name) for name in dataset.names}


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert message and "\n" not in message
    return message


def write_tsb(folder: Path, name: str, columns: dict[str, np.ndarray], labels) -> Path:
    """A TSB-AD file as the benchmark ships it: value columns, then Label; no index."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({**columns, "Label": np.asarray(labels, dtype=int)})
    frame.to_csv(folder / name, index=False)
    return folder / name


def tsb_u(folder: Path, train: int = 40, first: int = 60, n: int = 100, name: str = "") -> str:
    """A small univariate TSB-AD-U file whose first anomaly is where its name says."""
    name = name or f"001_NAB_id_1_Facility_tr_{train}_1st_{first}.csv"
    values = np.sin(np.arange(n) / 3).round(4)
    write_tsb(folder, name, {"Data": values}, (np.arange(n) >= first) & (np.arange(n) < first + 5))
    return name


# --- TSB-AD -------------------------------------------------------------------------------


def test_tsb_ad_u_file_as_published(tmp_path):
    (tmp_path / "001_NAB_id_1_Facility_tr_3_1st_5.csv").write_text(
        "Data,Label\n47.606,0\n42.58,0\n46.03,0\n44.992,0\n45.238,0\n99.5,1\n98.1,1\n45.1,0\n"
    )
    series = load_all(TsbAdDataConfig(root=str(tmp_path)))["001_NAB_id_1_Facility_tr_3_1st_5"]
    assert series.columns == ("Data",)
    assert series.values[:, 0].tolist() == [47.606, 42.58, 46.03, 44.992, 45.238, 99.5, 98.1, 45.1]
    assert series.labels.tolist() == [0, 0, 0, 0, 0, 1, 1, 0]
    assert series.train_end == 3
    assert not series.timed and list(series.timestamps) == list(range(8))


@needs_nab
def test_tsb_ad_u_on_real_nab_values(tmp_path):
    frame = nab_series(JUMPS)
    first = int(np.flatnonzero(frame["label"])[0])
    name = f"005_NAB_id_5_Synthetic_tr_2500_1st_{first}.csv"
    write_tsb(tmp_path / "TSB-AD-U", name, {"Data": frame["value"].to_numpy()}, frame["label"])
    series = load_all(TsbAdDataConfig(root=str(tmp_path), series=name))[Path(name).stem]
    np.testing.assert_array_equal(series.values[:, 0], frame["value"].to_numpy())
    np.testing.assert_array_equal(series.labels, frame["label"].to_numpy())
    assert series.train_end == 2500 and len(series) == 4032


@needs_nab
def test_tsb_ad_m_on_real_nab_values_keeps_every_channel(tmp_path):
    a, b = nab_series(CPU_A), nab_series(CPU_B)
    labels = a["label"] | b["label"]
    name = f"002_MSL_id_1_Sensor_tr_1000_1st_{int(np.flatnonzero(labels)[0])}.csv"
    write_tsb(tmp_path, name, {"cpu_a": a["value"], "cpu_b": b["value"]}, labels)
    series = load_all(TsbAdDataConfig(root=str(tmp_path)))[Path(name).stem]
    assert series.columns == ("cpu_a", "cpu_b")
    np.testing.assert_array_equal(series.values, np.column_stack([a["value"], b["value"]]))
    assert series.labels.sum() == labels.sum() and series.train_end == 1000


def test_tsb_ad_m_numbered_channels_and_constant_channel_dropped(tmp_path, caplog):
    n = 80
    rng = np.random.default_rng(1)
    columns = {
        "0": rng.normal(size=n),
        "1": np.r_[np.zeros(50), np.ones(30)],
        "2": rng.normal(size=n),
    }
    name = "057_SMD_id_1_Facility_tr_40_1st_50.csv"
    write_tsb(tmp_path, name, columns, np.arange(n) >= 50)
    with caplog.at_level(logging.WARNING):
        series = load_all(TsbAdDataConfig(root=str(tmp_path)))[Path(name).stem]
    assert series.columns == ("0", "2") and series.values.shape == (n, 2)
    assert series.repairs == {"constant_channels_dropped": 1}
    assert "1 of 3 channels are constant over the training part" in caplog.text
    kept = TsbAdDataConfig(root=str(tmp_path), drop_constant_channels=False)
    assert load_all(kept)[Path(name).stem].columns == ("0", "1", "2")


def test_tsb_ad_official_lists_ship_with_the_package(tmp_path):
    lists = official_lists()
    assert sorted(lists) == [
        "TSB-AD-M",
        "TSB-AD-M-Eva",
        "TSB-AD-M-Tuning",
        "TSB-AD-U",
        "TSB-AD-U-Eva",
        "TSB-AD-U-Eva-Full",
        "TSB-AD-U-Tuning",
    ]
    for path in lists.values():
        assert path.read_text().startswith("file_name\n")
    assert (lists["TSB-AD-U"].parent / "LICENSE").is_file()
    assert "8763009" in (lists["TSB-AD-U"].parent / "NOTICE").read_text()
    if (SHARED / "tsb_ad" / "File_List").is_dir():
        for name, path in lists.items():
            shipped = (SHARED / "tsb_ad" / "File_List" / f"{name}.csv").read_bytes()
            assert path.read_bytes() == shipped
    # an official list by name: every file it names is looked up under root (a subfolder here)
    names = pd.read_csv(lists["TSB-AD-M-Tuning"])["file_name"].tolist()
    assert len(names) == 20
    for name in names:
        (tmp_path / "TSB-AD-M").mkdir(exist_ok=True)
        (tmp_path / "TSB-AD-M" / name).write_text("a,Label\n1,0\n")
    (tmp_path / "TSB-AD-M" / "999_SMD_id_9_Facility_tr_10_1st_20.csv").write_text("a,Label\n1,0\n")
    dataset = load_dataset(TsbAdDataConfig(root=str(tmp_path), file_list="TSB-AD-M-Tuning"))
    assert list(dataset.names) == [Path(n).stem for n in names]
    every = load_dataset(TsbAdDataConfig(root=str(tmp_path)))
    assert len(every) == 21


def test_tsb_ad_file_list_of_names_and_one_series(tmp_path):
    root = tmp_path / "TSB-AD-U"
    first = tsb_u(root)
    second = tsb_u(root, name="002_YAHOO_id_2_WebService_tr_40_1st_60.csv")
    listed = tmp_path / "mine.txt"
    listed.write_text(f"# two series\n{second}\n\n{first}\n")
    assert load_dataset(TsbAdDataConfig(root=str(tmp_path), file_list=str(listed))).names == (
        Path(second).stem,
        Path(first).stem,
    )
    assert load_dataset(TsbAdDataConfig(root=str(root), series=first)).names == (Path(first).stem,)


def test_tsb_ad_first_anomaly_disagreeing_with_labels_is_a_warning(tmp_path, caplog):
    name = tsb_u(tmp_path, name="001_NAB_id_1_Facility_tr_40_1st_70.csv")  # labels start at 60
    with caplog.at_level(logging.WARNING):
        series = load_all(TsbAdDataConfig(root=str(tmp_path)))[Path(name).stem]
    assert int(np.flatnonzero(series.labels)[0]) == 60
    assert "first anomaly at row 70 (1st_70) but its Label column marks row 60" in caplog.text


@pytest.mark.parametrize(
    ("files", "keys", "error", "message"),
    [
        (
            {"001_NAB_Facility_tr_40_1st_60.csv": "Data,Label\n1,0\n"},
            {"series": "001_NAB_Facility_tr_40_1st_60.csv"},
            DataError,
            r"is not a TSB-AD file name \(expected <index>_<source>_id_<id>_<domain>_tr_",
        ),
        (
            {"001_NAB_id_1_Facility_tr_2_1st_3.csv": "Data,label\n1,0\n2,0\n3,1\n"},
            {},
            DataError,
            r"column 'Label' is missing in .*columns: Data, label",
        ),
        (
            {"001_NAB_id_1_Facility_tr_2_1st_3.csv": "Label,Data\n0,1\n0,2\n1,3\n"},
            {},
            DataError,
            "column 'Label' is not the last column",
        ),
        (
            {"001_NAB_id_1_Facility_tr_9_1st_3.csv": "Data,Label\n1,0\n2,0\n3,1\n"},
            {},
            DataError,
            r"names a training part of 9 rows \(tr_9\) but .* holds 3",
        ),
        (
            {"001_NAB_id_1_Facility_tr_2_1st_3.csv": "Data,Label\n1,0\n2,0\n3,2\n"},
            {},
            DataError,
            "labels in column 'Label' .* must be 0 or 1; line 4",
        ),
        (
            {"001_NAB_id_1_Facility_tr_2_1st_3.csv": "Data,Label\n1,0\n2,0\n3,1\n"},
            {"file_list": "TSB-AD-U-Tuning"},
            DataError,
            r"48 series not found in .*, e.g. 003_NAB_id_3_WebService_tr_1362_1st_1462.csv",
        ),
        (
            {"001_NAB_id_1_Facility_tr_2_1st_3.csv": "Data,Label\n1,0\n2,0\n3,1\n"},
            {"file_list": "TSB-AD-X"},
            ConfigError,
            r"data.file_list=TSB-AD-X \(no such file; official lists: TSB-AD-M, ",
        ),
        (
            {"001_NAB_id_1_Facility_tr_2_1st_3.csv": "Data,Label\n1,0\n2,0\n3,1\n"},
            {"series": "002_NAB_id_2_Facility_tr_2_1st_3.csv"},
            DataError,
            "1 series not found in .*, e.g. 002_NAB_id_2",
        ),
        ({"notes.csv": "a\n1\n"}, {}, DataError, "no TSB-AD files under"),
    ],
)
def test_tsb_ad_errors_are_one_line(tmp_path, files, keys, error, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(error, match=message) as refused:
        load_all(TsbAdDataConfig(root=str(tmp_path), **keys))
    one_line(refused)


def test_tsb_ad_rows_cutting_into_the_training_part_is_refused(tmp_path):
    tsb_u(tmp_path)
    with pytest.raises(ConfigError, match=r"data.rows=30 .*training part is its first 40") as e:
        load_all(TsbAdDataConfig(root=str(tmp_path), rows=30))
    one_line(e)


def test_time_repairs_are_refused_for_numbered_rows(tmp_path):
    tsb_u(tmp_path)
    with pytest.raises(ConfigError, match=r"data.order=sort \(TSB-AD files have no time") as e:
        load_all(TsbAdDataConfig(root=str(tmp_path), order="sort"))
    one_line(e)
    with pytest.raises(ConfigError, match=r"data.duplicates=mean \(UCR archive files") as e:
        load_all(UcrDataConfig(root=str(tmp_path), duplicates="mean"))
    one_line(e)


def test_tsb_ad_root_that_is_not_a_folder(tmp_path):
    with pytest.raises(DataError, match=r"data.root=.*nowhere \(not a folder") as e:
        load_all(TsbAdDataConfig(root=str(tmp_path / "nowhere")))
    one_line(e)


def test_tsb_ad_missing_values_refused_or_dropped_as_the_reference_does(tmp_path):
    name = "001_NAB_id_1_Facility_tr_3_1st_4.csv"
    (tmp_path / name).write_text("Data,Label\n1,0\n,0\n3,0\n4,0\n5,0\n6,1\n7,0\n")
    with pytest.raises(DataError, match="missing or infinite values .* line 3") as e:
        load_all(TsbAdDataConfig(root=str(tmp_path)))
    one_line(e)
    series = load_all(TsbAdDataConfig(root=str(tmp_path), missing="drop"))[Path(name).stem]
    assert series.values[:, 0].tolist() == [1, 3, 4, 5, 6, 7]
    assert list(series.timestamps) == list(range(6))  # renumbered, as after dropna()
    assert series.labels.tolist() == [0, 0, 0, 0, 1, 0] and series.train_end == 3


# --- UCR archive ----------------------------------------------------------------------------


UCR_NAME = "004_UCR_Anomaly_DISTORTEDBIDMC1_20_31_35.txt"


def ucr_values(n: int = 50) -> np.ndarray:
    return np.round(np.sin(np.arange(n) / 2.5) * 100, 5)


def test_ucr_one_value_per_line_with_trailing_blanks(tmp_path):
    folder = tmp_path / "UCR_Anomaly_FullData"
    folder.mkdir()
    values = ucr_values()
    (folder / UCR_NAME).write_text("".join(f"  {v:.5f}   \n" for v in values))
    loaded = load_all(UcrDataConfig(root=str(tmp_path), series=UCR_NAME))
    series = loaded["004_UCR_Anomaly_DISTORTEDBIDMC1_20_31_35"]
    np.testing.assert_allclose(series.values[:, 0], values)
    # 1-based, ends included: values 31..35 are rows 30..34; values 1..20 are rows 0..19
    assert np.flatnonzero(series.labels).tolist() == [30, 31, 32, 33, 34]
    assert series.train_end == 20 and list(series.timestamps) == list(range(50))
    zero = UcrDataConfig(root=str(tmp_path), positions=UcrPositions.zero_based)
    assert np.flatnonzero(load_all(zero)[series.name].labels).tolist() == [31, 32, 33, 34]


def test_ucr_all_values_on_one_line_read_the_same(tmp_path):
    values = ucr_values()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / UCR_NAME).write_text("\n".join(f"{v:.5f}" for v in values) + "\n")
    (tmp_path / "b" / UCR_NAME).write_text("  " + "   ".join(f"{v:.7e}" for v in values) + "  ")
    per_line = load_all(UcrDataConfig(root=str(tmp_path / "a")))
    single = load_all(UcrDataConfig(root=str(tmp_path / "b")))
    (name,) = per_line
    np.testing.assert_allclose(single[name].values, per_line[name].values)
    assert single[name].labels.tolist() == per_line[name].labels.tolist()


@needs_nab
def test_ucr_on_real_nab_values(tmp_path):
    frame = nab_series(JUMPS)
    rows = np.flatnonzero(frame["label"])
    begin, end = int(rows[0]) + 1, int(rows[-1]) + 1  # the archive's 1-based positions
    name = f"101_UCR_Anomaly_artdailyjumpsup_2500_{begin}_{end}.txt"
    folder = tmp_path / "AnomalyDatasets_2021" / "UCR_Anomaly_FullData"
    folder.mkdir(parents=True)
    text = frame["value"].astype(str)
    (folder / name).write_text("\n".join(text) + "\n")
    series = load_all(UcrDataConfig(root=str(tmp_path)))[Path(name).stem]
    np.testing.assert_array_equal(series.values[:, 0], frame["value"].to_numpy())
    np.testing.assert_array_equal(series.labels, frame["label"].to_numpy())
    assert series.train_end == 2500


@pytest.mark.parametrize(
    ("name", "text", "error", "message"),
    [
        ("004_UCR_Anomaly_BIDMC1_20_31.txt", "1\n" * 50, DataError, "is not a UCR archive file"),
        ("004_UCR_Anomaly_BIDMC1_20_35_31.txt", "1\n" * 50, DataError, "begin no later than"),
        (UCR_NAME, "1\n2 3\n4\n", DataError, r"line 2 of .* holds 2 values \(a UCR file holds one"),
        (UCR_NAME, "1\n2\n1,5\n", DataError, r"non-numeric value '1,5' in .* at line 3"),
        (UCR_NAME, "1\n" * 33, DataError, r"anomaly at 31..35 but .* holds 33 values"),
        (
            "005_UCR_Anomaly_short_20_15_18.txt",
            "1\n" * 20,
            DataError,
            "training part of 20 values but .* holds 20, which leaves nothing to test",
        ),
        (UCR_NAME, "", DataError, "data file is empty"),
        (UCR_NAME, "1\nnan\n" + "1\n" * 48, DataError, "missing or infinite values .* line 2"),
    ],
)
def test_ucr_errors_are_one_line(tmp_path, name, text, error, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(error, match=message) as refused:
        load_all(UcrDataConfig(root=str(tmp_path), series=name))
    one_line(refused)


def test_ucr_selection_by_bare_name_or_relative_path_and_no_files(tmp_path):
    folder = tmp_path / "UCR_Anomaly_FullData"
    folder.mkdir()
    (folder / UCR_NAME).write_text("\n".join(map(str, ucr_values())))
    (folder / "readme.txt").write_text("not a series")
    stem = Path(UCR_NAME).stem
    assert load_dataset(UcrDataConfig(root=str(tmp_path))).names == (stem,)
    relative = UcrDataConfig(root=str(tmp_path), series=f"UCR_Anomaly_FullData/{UCR_NAME}")
    assert load_dataset(relative).names == (stem,)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no UCR archive files under") as e:
        load_dataset(UcrDataConfig(root=str(tmp_path / "empty")))
    one_line(e)


def test_ucr_drop_counts_the_training_part_in_the_values_kept(tmp_path):
    values = ucr_values().astype(str)
    values[5] = "NaN"
    (tmp_path / UCR_NAME).write_text("\n".join(values))
    series = load_all(UcrDataConfig(root=str(tmp_path), missing="drop"))[Path(UCR_NAME).stem]
    assert len(series) == 49 and series.train_end == 19
    assert np.flatnonzero(series.labels).tolist() == [29, 30, 31, 32, 33]


# --- a folder of CSV files --------------------------------------------------------------------


@needs_nab
def test_csv_folder_on_real_nab_values_with_a_train_column(tmp_path):
    expected = {}
    for name in (CPU_A, CPU_B):
        frame = nab_series(name)
        frame["is_train"] = (np.arange(len(frame)) < 1000).astype(int)
        frame.to_csv(tmp_path / Path(name).name, index=False)
        expected[Path(name).stem] = frame
    data = CsvFolderDataConfig(root=str(tmp_path), train_column="is_train")
    loaded = load_all(data)
    assert sorted(loaded) == sorted(expected)
    for stem, frame in expected.items():
        series = loaded[stem]
        assert series.timed and series.timestamps[0] == pd.Timestamp(frame["timestamp"][0])
        np.testing.assert_array_equal(series.values[:, 0], frame["value"].to_numpy())
        np.testing.assert_array_equal(series.labels, frame["label"].to_numpy())
        assert series.train_end == 1000
    fraction = load_all(CsvFolderDataConfig(root=str(tmp_path), series=Path(CPU_A).name))
    assert fraction[Path(CPU_A).stem].train_end is None  # data.train_fraction splits it


def test_csv_folder_numbered_rows_and_several_columns(tmp_path):
    (tmp_path / "s1.csv").write_text("x,y,anomaly\n1,10,0\n2,20,0\n3,30,1\n4,40,0\n")
    (tmp_path / "notes.txt").write_text("not a series")
    data = CsvFolderDataConfig(
        root=str(tmp_path), time_column=None, value_columns=["x", "y"], label_column="anomaly"
    )
    series = load_all(data)["s1"]
    assert series.values.tolist() == [[1, 10], [2, 20], [3, 30], [4, 40]]
    assert series.labels.tolist() == [0, 0, 1, 0] and list(series.timestamps) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("marker", "keys", "error", "message"),
    [
        ([1, 1, 0, 1, 0], {}, DataError, r"marks line 5 as training after line 4 marked test"),
        ([0, 0, 0, 0, 0], {}, DataError, r"marks no leading training row"),
        ([1, "yes", 0, 0, 0], {}, DataError, r"must hold 0 or 1; line 3 holds 'yes'"),
        ([1, 1, 0, 0, 0], {"order": "sort"}, ConfigError, "with data.order=sort"),
        ([1, 1, 0, 0, 0], {"train_column": "trn"}, DataError, "column 'trn' not found"),
        ([1, 1, 0, 0, 0], {"series": "other.csv"}, DataError, "1 series not found in"),
    ],
)
def test_csv_folder_errors_are_one_line(tmp_path, marker, keys, error, message):
    rows = [f"{i},{i * 1.5},0,{m}" for i, m in enumerate(marker)]
    (tmp_path / "s.csv").write_text("t,value,label,train\n" + "\n".join(rows) + "\n")
    data = CsvFolderDataConfig(
        root=str(tmp_path), time_column=None, **{"train_column": "train", **keys}
    )
    with pytest.raises(error, match=message) as refused:
        load_all(data)
    one_line(refused)


# --- a whole run ------------------------------------------------------------------------------


def test_tsb_ad_m_run_end_to_end_honours_the_training_part(tmp_path):
    n, train, first = 600, 250, 400
    rng = np.random.default_rng(0)
    t = np.arange(n)
    channels = {
        "temp": np.sin(t / 8) + rng.normal(0, 0.05, n),
        "load": np.cos(t / 13) + rng.normal(0, 0.05, n),
        "idle": np.zeros(n),  # constant over training: left out, as TSB-AD-M's idle channels
    }
    labels = (t >= first) & (t < first + 15)
    channels["temp"][labels] += 3.0
    name = f"002_MSL_id_1_Sensor_tr_{train}_1st_{first}.csv"
    write_tsb(tmp_path / "TSB-AD-M", name, channels, labels)
    overrides = [
        "data=tsb_ad",
        f"data.root={tmp_path / 'TSB-AD-M'}",
        f"data.series={name}",
        "data.window=20",
        "model=isolation_forest",
    ]
    result = run(compose_config(overrides), tmp_path / "run")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["sizes"]["rows_train_period"] == train
    assert metrics["sizes"]["rows_test"] == n - train
    labeled = metrics["labeled"]
    assert labeled["rows"] == "test" and labeled["n_labeled_rows"] == 15
    for key in ("point", "event", "auc", "vus_pr"):
        assert key in labeled
    assert labeled["auc"]["roc_auc"] > 0.9  # the shifted channel is plain to see
    scores = pd.read_csv(tmp_path / "run" / "scores.csv")
    assert (scores["split"] == "test").sum() == n - train
    assert result.metrics["sizes"]["rows_train_period"] == train


def test_every_new_source_refuses_with_a_tsadlab_error(tmp_path):
    for data in (
        TsbAdDataConfig(root=str(tmp_path / "none")),
        UcrDataConfig(root=str(tmp_path / "none")),
        CsvFolderDataConfig(root=str(tmp_path / "none")),
    ):
        with pytest.raises(TsadlabError) as refused:
            load_all(data)
        one_line(refused)
