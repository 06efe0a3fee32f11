"""Benchmark archives read as their publishers ship them: NAB as a collection, Yahoo
Webscope S5 and NASA SMAP/MSL (telemanom's layout).

The Yahoo and NASA files here are written in the exact published layout (folder and file
names, columns, separators), holding REAL values: NAB series from the corpus beside this
checkout, rewritten into each layout, so that every format is checked on real data.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tsadlab.data.prepare import prepare
from tsadlab.data.sources import load_dataset
from tsadlab.data.sources.nab import NabDataConfig, load_nab
from tsadlab.data.sources.nasa import NasaDataConfig
from tsadlab.data.sources.yahoo import YahooDataConfig
from tsadlab.errors import ConfigError, DataError, TsadlabError
from tsadlab.intervals import flag_runs

NAB = Path(__file__).resolve().parents[2] / "shared" / "data" / "nab"
needs_nab = pytest.mark.skipif(
    not NAB.is_dir(), reason="the NAB corpus is not beside this checkout"
)
TRAFFIC = "realTraffic/speed_7578.csv"  # 1127 rows, labeled rows 303 .. 973
EXCHANGE = "realAdExchange/exchange-2_cpc_results.csv"  # 1623 rows
A34_HEADER = (
    "timestamps,value,anomaly,changepoint,trend,noise,seasonality1,seasonality2,seasonality3"
)
NASA_LABELS = "chan_id,spacecraft,anomaly_sequences,class,num_values\n"


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert text and "\n" not in text
    return text


def refused(kind: type[TsadlabError], config, match: str) -> str:
    """load_dataset(config) refused in one line matching `match` (loading every member)."""
    with pytest.raises(kind, match=match) as exc:
        dataset = load_dataset(config)
        for name in dataset.names:
            dataset.load(name)
    return one_line(exc)


@pytest.fixture(scope="module")
def real():
    """Two real NAB series (values, labels)."""
    if not NAB.is_dir():
        pytest.skip("the NAB corpus is not beside this checkout")
    return {name: load_nab(NAB, name) for name in (TRAFFIC, EXCHANGE)}


# --- NAB as a collection --------------------------------------------------------------------


@needs_nab
def test_nab_without_a_selection_takes_every_labeled_series_of_every_present_category(caplog):
    windows = json.loads((NAB / "labels" / "combined_windows.json").read_text())
    present = sorted(k for k in windows if (NAB / "data" / k).is_file())
    assert len(present) == 51  # 58 labeled; realKnownCause's 7 are left out of this copy
    caplog.set_level("INFO")
    dataset = load_dataset(NabDataConfig(root=str(NAB)))
    assert len(dataset) == 51
    assert list(dataset.names) == [k.removesuffix(".csv").replace("/", "__") for k in present]
    assert "7 labeled series have no file here and are skipped" in caplog.text
    categories = {name.split("__")[0] for name in dataset.names}
    assert categories == {p.name for p in (NAB / "data").iterdir() if p.is_dir()}
    series = dataset.load("realTraffic__speed_7578")
    assert series.name == "realTraffic__speed_7578" and series.labels.sum() == 116


@needs_nab
def test_nab_file_list_and_category(tmp_path):
    listing = tmp_path / "names.txt"
    listing.write_text(f"# two series\n{TRAFFIC}\n\n{EXCHANGE}\n")
    dataset = load_dataset(NabDataConfig(root=str(NAB), file_list=str(listing)))
    assert dataset.names == ("realTraffic__speed_7578", "realAdExchange__exchange-2_cpc_results")
    assert len(load_dataset(NabDataConfig(root=str(NAB), category="realTweets"))) == 10
    one = load_dataset(NabDataConfig(root=str(NAB), series=TRAFFIC))
    assert one.names == ("realTraffic__speed_7578",)


@needs_nab
def test_nab_selection_errors_are_one_line(tmp_path):
    listing = tmp_path / "names.txt"
    listing.write_text(f"{TRAFFIC}\nrealKnownCause/nyc_taxi.csv\n")
    text = refused(DataError, NabDataConfig(root=str(NAB), file_list=str(listing)), "nyc_taxi")
    assert "realKnownCause/nyc_taxi.csv" in text and "<category>/<file>.csv" in text
    refused(DataError, NabDataConfig(root=str(NAB), series="realTweets/nope.csv"), "nope.csv")
    refused(DataError, NabDataConfig(root=str(NAB), category="realKnownCause"), "categories in")
    refused(
        ConfigError, NabDataConfig(root=str(NAB), category="realTweets", series=TRAFFIC), "set one"
    )
    refused(ConfigError, NabDataConfig(root=str(NAB), file_list=str(tmp_path / "x")), "no such")


def test_nab_fixture_without_a_selection_skips_absent_categories(nab_root):
    # the fixture's labels name cat/a, cat/b, cat/missing (no file) and other/c (no folder)
    assert load_dataset(NabDataConfig(root=str(nab_root))).names == ("cat__a", "cat__b")


# --- Yahoo Webscope S5 ------------------------------------------------------------------------


def nab_frame(series, rows: int | None = None) -> pd.DataFrame:
    rows = rows or len(series)
    return pd.DataFrame({"value": series.values[:rows, 0], "label": series.labels[:rows]})


def write_a12(path: Path, frame: pd.DataFrame, unix: bool) -> None:
    """A1 (timestamps 1..n) or A2 (unix seconds, hourly) file: timestamp,value,is_anomaly."""
    n = len(frame)
    stamps = 1416722400 + 3600 * np.arange(n) if unix else np.arange(1, n + 1)
    out = pd.DataFrame({"timestamp": stamps, "value": frame.value, "is_anomaly": frame.label})
    out.to_csv(path, index=False)


def write_a34(path: Path, frame: pd.DataFrame, changepoints: list[int] = ()) -> None:
    """A3/A4 file: timestamps,value,anomaly,changepoint,trend,noise,seasonality1..3."""
    n = len(frame)
    change = np.zeros(n, dtype=int)
    change[list(changepoints)] = 1
    out = pd.DataFrame(
        {
            "timestamps": 1416722400 + 3600 * np.arange(n),
            "value": frame.value,
            "anomaly": frame.label,
            "changepoint": change,
            "trend": 0.0,
            "noise": 0.5,
            "seasonality1": 0.0,
            "seasonality2": 0.0,
            "seasonality3": 0.0,
        }
    )
    out.to_csv(path, index=False)


@pytest.fixture
def yahoo_root(tmp_path, real):
    """The four benchmark folders, real NAB values in each, and the summary files A3/A4 ship."""
    root = tmp_path / "ydata-labeled-time-series-anomalies-v1_0"
    for folder in ("A1Benchmark", "A2Benchmark", "A3Benchmark", "A4Benchmark"):
        (root / folder).mkdir(parents=True)
    traffic, exchange = nab_frame(real[TRAFFIC]), nab_frame(real[EXCHANGE])
    write_a12(root / "A1Benchmark" / "real_1.csv", traffic, unix=False)
    write_a12(root / "A1Benchmark" / "real_10.csv", exchange, unix=False)
    write_a12(root / "A1Benchmark" / "real_2.csv", exchange.iloc[:500], unix=False)
    write_a12(root / "A2Benchmark" / "synthetic_1.csv", exchange, unix=True)
    write_a34(root / "A3Benchmark" / "A3Benchmark-TS1.csv", traffic)
    write_a34(root / "A4Benchmark" / "A4Benchmark-TS1.csv", exchange, changepoints=[100, 700])
    for key in ("A3", "A4"):  # every series of the folder in one table, as published
        folder = root / f"{key}Benchmark"
        frames = [pd.read_csv(p) for p in sorted(folder.glob("*-TS*.csv"))]
        pd.concat(frames).to_csv(folder / f"{key}Benchmark_all.csv", index=False)
    return root


def test_yahoo_reads_every_benchmark_layout_with_real_values(yahoo_root, real):
    dataset = load_dataset(YahooDataConfig(root=str(yahoo_root)))
    assert dataset.names == (
        "A1Benchmark__real_1",
        "A1Benchmark__real_2",  # in the order of their numbers, not of their names
        "A1Benchmark__real_10",
        "A2Benchmark__synthetic_1",
        "A3Benchmark__A3Benchmark-TS1",
        "A4Benchmark__A4Benchmark-TS1",
    )  # the summary files A3Benchmark_all.csv and A4Benchmark_all.csv are not series
    expected = {
        "A1Benchmark__real_1": real[TRAFFIC],
        "A1Benchmark__real_10": real[EXCHANGE],
        "A2Benchmark__synthetic_1": real[EXCHANGE],
        "A3Benchmark__A3Benchmark-TS1": real[TRAFFIC],
        "A4Benchmark__A4Benchmark-TS1": real[EXCHANGE],
    }
    for name, nab in expected.items():
        series = dataset.load(name)
        assert series.name == name and series.columns == ("value",)
        np.testing.assert_array_equal(series.values, nab.values)
        np.testing.assert_array_equal(series.labels, nab.labels)
        assert isinstance(series.timestamps, pd.RangeIndex)  # numbered rows, every benchmark
        assert list(series.timestamps) == list(range(len(nab)))
        assert series.train_end is None and len(series.sha256) == 64
    assert dataset.load("A1Benchmark__real_2").values.shape == (500, 1)


def test_yahoo_split_is_train_fraction(yahoo_root, real):
    data = YahooDataConfig(root=str(yahoo_root), series="A3Benchmark/A3Benchmark-TS1.csv")
    series = load_dataset(data).load("A3Benchmark__A3Benchmark-TS1")
    prepared = prepare(series, data)
    assert prepared.n_train == int(len(real[TRAFFIC]) * 0.8)


def test_yahoo_category_by_key_or_folder_and_changepoints(yahoo_root, real):
    for category in ("A4", "A4Benchmark"):
        dataset = load_dataset(YahooDataConfig(root=str(yahoo_root), category=category))
        assert dataset.names == ("A4Benchmark__A4Benchmark-TS1",)
    assert len(load_dataset(YahooDataConfig(root=str(yahoo_root), category="A1"))) == 3
    data = YahooDataConfig(root=str(yahoo_root), category="A4", changepoints=True)
    labels = load_dataset(data).load("A4Benchmark__A4Benchmark-TS1").labels
    expected = real[EXCHANGE].labels.copy()
    expected[[100, 700]] = 1
    np.testing.assert_array_equal(labels, expected)


def test_yahoo_file_list(yahoo_root, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("A2Benchmark/synthetic_1.csv\nA1Benchmark/real_10.csv\n")
    dataset = load_dataset(YahooDataConfig(root=str(yahoo_root), file_list=str(listing)))
    assert dataset.names == ("A2Benchmark__synthetic_1", "A1Benchmark__real_10")


def test_yahoo_errors_are_one_line(yahoo_root, tmp_path):
    root = str(yahoo_root)
    text = refused(ConfigError, YahooDataConfig(root=root, category="A5"), "data.category=A5")
    assert "A1, A2, A3, A4" in text
    summary = YahooDataConfig(root=root, series="A4Benchmark/A4Benchmark_all.csv")
    refused(DataError, summary, "A4Benchmark_all.csv")  # a summary file is not a series
    refused(DataError, YahooDataConfig(root=str(tmp_path)), "none of A1Benchmark/")
    (tmp_path / "only_a1" / "A1Benchmark").mkdir(parents=True)
    (tmp_path / "only_a1" / "A1Benchmark" / "real_1.csv").write_text(
        "timestamp,value,is_anomaly\n1,2.0,0\n2,3.0,0\n"
    )
    refused(
        DataError,
        YahooDataConfig(root=str(tmp_path / "only_a1"), category="A3"),
        "no series of A3Benchmark/; benchmarks present: A1Benchmark",
    )
    (yahoo_root / "A1Benchmark" / "real_3.csv").write_text(
        "timestamp,value,is_anomaly\n1,2.0,0\n3,3.0,0\n2,3.0,1\n"
    )
    refused(DataError, YahooDataConfig(root=root, series="A1Benchmark/real_3.csv"), "order")


# --- NASA SMAP / MSL (telemanom) ----------------------------------------------------------------


def nasa_arrays(values: np.ndarray, n_columns: int, seed: int) -> np.ndarray:
    """Column 0 the (real) telemetry value, then one-hot command columns: most constant,
    a few switching as commands are sent."""
    rng = np.random.default_rng(seed)
    array = np.zeros((len(values), n_columns))
    array[:, 0] = values
    for j in (1, 2, 3):
        array[rng.choice(len(values), size=len(values) // 20, replace=False), j] = 1.0
    return array


def labeled_runs(labels: np.ndarray) -> list[list[int]]:
    return [[int(a), int(b)] for a, b in flag_runs(labels.astype(bool))]


@pytest.fixture
def nasa_root(tmp_path, real):
    """telemanom's data folder: two SMAP channels (25 columns) and one MSL channel (55), real
    NAB values as telemetry; labeled_anomalies.csv as published (sequences quoted and not
    always in order, a channel without .npy here, P-2's repeated row)."""
    root = tmp_path / "data"
    (root / "train").mkdir(parents=True)
    (root / "test").mkdir()
    split = {"P-1": (TRAFFIC, 250, 25), "P-2": (TRAFFIC, 200, 25), "M-1": (TRAFFIC, 300, 55)}
    rows = []
    for seed, (chan, (name, n_train, n_columns)) in enumerate(split.items()):
        nab = real[name]
        array = nasa_arrays(nab.values[:, 0], n_columns, seed)
        np.save(root / "train" / f"{chan}.npy", array[:n_train])
        np.save(root / "test" / f"{chan}.npy", array[n_train:])
        runs = labeled_runs(nab.labels[n_train:])
        if chan == "P-1":
            runs = runs[::-1]  # published rows do not always list them in order
        craft = "MSL" if chan.startswith("M") else "SMAP"
        classes = "[" + ", ".join("point" for _ in runs) + "]"
        rows.append((chan, craft, runs, classes, len(nab) - n_train))
    lines = [f'{c},{s},"{r}","{k}",{n}' for c, s, r, k, n in rows]
    chan, craft, runs, classes, n = rows[1]  # P-2 twice, its sequences split between rows
    lines[1] = f'{chan},{craft},"{runs[:1]}",[point],{n}'
    lines.append(f'{chan},{craft},"{runs[1:]}",[point],{n}')
    lines.insert(1, 'S-1,SMAP,"[[5300, 5747]]",[point],7331')  # labeled, no .npy here
    (root / "labeled_anomalies.csv").write_text(NASA_LABELS + "\n".join(lines) + "\n")
    return root


def test_nasa_channel_is_train_then_test_with_real_values_and_test_labels(nasa_root, real):
    nab = real[TRAFFIC]
    series = load_dataset(NasaDataConfig(root=str(nasa_root), series="P-1")).load("P-1")
    assert series.train_end == 250 and len(series) == len(nab)
    np.testing.assert_array_equal(series.values[:, 0], nab.values[:, 0])
    assert series.labels[:250].sum() == 0  # training rows are never labeled
    # sequences are 0-based positions in the test array, both ends included
    np.testing.assert_array_equal(series.labels, nab.labels)
    assert isinstance(series.timestamps, pd.RangeIndex)
    # 24 command columns, 21 of them constant over the training rows: dropped and recorded
    assert series.columns == ("telemetry", "command_1", "command_2", "command_3")
    assert series.repairs == {"constant_columns_dropped": 21}
    prepared = prepare(series, NasaDataConfig(root=str(nasa_root)))
    assert prepared.n_train == 250  # the archive's split, not train_fraction


def test_nasa_columns_and_constant_column_settings(nasa_root):
    root = str(nasa_root)
    telemetry = load_dataset(NasaDataConfig(root=root, series="M-1", columns="telemetry"))
    series = telemetry.load("M-1")
    assert series.columns == ("telemetry",) and series.values.shape[1] == 1
    kept = NasaDataConfig(root=root, series="M-1", constant_columns="keep")
    series = load_dataset(kept).load("M-1")
    assert series.values.shape[1] == 55 and series.repairs == {}
    with pytest.raises(DataError, match="column 'command_4' is constant") as exc:
        prepare(series, kept)
    one_line(exc)


def test_nasa_category_every_channel_and_repeated_label_rows(nasa_root, real, caplog):
    caplog.set_level("INFO")
    everything = load_dataset(NasaDataConfig(root=str(nasa_root)))
    assert everything.names == ("P-1", "P-2", "M-1")  # labeled_anomalies.csv's order
    assert "1 labeled channel(s) have no train and test .npy here and are skipped" in caplog.text
    assert load_dataset(NasaDataConfig(root=str(nasa_root), category="SMAP")).names == (
        "P-1",
        "P-2",
    )
    assert load_dataset(NasaDataConfig(root=str(nasa_root), category="MSL")).names == ("M-1",)
    p2 = everything.load("P-2")  # its two rows' sequences merged
    assert "channel P-2 has several rows" in caplog.text
    np.testing.assert_array_equal(p2.labels, real[TRAFFIC].labels)
    listing = nasa_root / "channels.txt"
    listing.write_text("M-1\nP-1\n")
    by_list = load_dataset(NasaDataConfig(root=str(nasa_root), file_list=str(listing)))
    assert by_list.names == ("M-1", "P-1")


def test_nasa_errors_are_one_line(nasa_root, tmp_path):
    root = str(nasa_root)
    text = refused(DataError, NasaDataConfig(root=str(tmp_path)), "no labeled_anomalies.csv")
    assert "train/<chan>.npy" in text
    refused(DataError, NasaDataConfig(root=root, series="S-1"), "not found in .*S-1")
    refused(DataError, NasaDataConfig(root=root, series="X-9"), "X-9")
    refused(DataError, NasaDataConfig(root=root, category="Juno"), "spacecraft in .*: MSL, SMAP")
    refused(ConfigError, NasaDataConfig(root=root, category="SMAP", series="P-1"), "set one")
    labels = (nasa_root / "labeled_anomalies.csv").read_text()
    (nasa_root / "labeled_anomalies.csv").write_text(labels.replace(",877\n", ",870\n"))
    refused(DataError, NasaDataConfig(root=root, series="P-1"), "num_values=870 for P-1 .*877")
    (nasa_root / "labeled_anomalies.csv").write_text(labels.replace('"[[', '"[[-', 1))
    refused(DataError, NasaDataConfig(root=root, series="P-1"), "anomaly_sequences of")


def test_a_nasa_run_end_to_end_honours_the_archive_split(nasa_root, tmp_path):
    from conftest import compose_config

    from tsadlab.run import run

    overrides = [
        "data=nasa",
        f"data.root={nasa_root}",
        "data.series=M-1",
        "data.window=10",
        "model=rolling_zscore",
    ]
    run(compose_config(overrides), tmp_path / "run")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["sizes"]["rows_train_period"] == 300  # train_end, not train_fraction
    assert metrics["sizes"]["rows_test"] == 1127 - 300
    assert metrics["data"]["columns"] == ["telemetry", "command_1", "command_2", "command_3"]
    assert metrics["data"]["repairs"] == {"constant_columns_dropped": 51}
    labeled = metrics["labeled"]
    assert labeled["rows"] == "test"
    assert labeled["n_labeled_rows"] == 116  # every labeled row lies in the test part
    for key in ("point", "event", "auc", "vus_pr"):
        assert key in labeled
    scores = pd.read_csv(tmp_path / "run" / "scores.csv")
    assert (scores["split"] == "test").sum() == 1127 - 300
