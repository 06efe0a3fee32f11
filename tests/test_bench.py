"""`tsadlab-bench` as a user runs it, on a folder in TSB-AD's layout whose file names are in
TSB-AD's published table; and the evaluation protocols it records."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import command, compose_config

from tsadlab import artifacts
from tsadlab.bench.plan import fingerprint, job_states, make_jobs, quoted, start_record
from tsadlab.cli import common
from tsadlab.cli.bench import main as bench_main
from tsadlab.cli.common import CONFIG_DIR
from tsadlab.data.sources.tsb_ad import published_tables
from tsadlab.protocol import Protocol, fitted_data, scored_rows
from tsadlab.run import run

UNI_TABLE = published_tables()["TSB-AD-U"]  # TSB-AD's own, shipped with tsadlab
# three short series of the published table: (name, rows, first anomaly, labeled rows)
FILES = (
    ("010_NAB_id_10_WebService_tr_500_1st_271.csv", 1000, 271, 148),
    ("014_NAB_id_14_WebService_tr_500_1st_1045.csv", 1537, 1045, 152),
    ("005_NAB_id_5_Traffic_tr_594_1st_1645.csv", 2379, 1645, 238),
)

BENCHMARK = """# @package _global_
defaults:
  - override /data: tsb_ad
  - override /threshold: mean_std
protocol: tsb_ad
data:
  window: 20
  scaler: standard
bench:
  name: tiny
  seeds: [0, 1]
  published: TSB-AD-U
  methods:
    random_score: [model=random_score]
    rolling_zscore: [model=rolling_zscore]
    # windows longer than two files' training parts (500 rows): those jobs fail, the
    # others go on, and the method is not placed (it lacks two of the three files)
    long_window: [model=rolling_zscore, data.window=550]
"""


def tsb_ad_folder(root: Path) -> Path:
    """The three files in TSB-AD's layout (Data, Label): a noisy seasonal signal whose
    labeled rows carry a level shift, so a detector has something to find."""
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name, rows, first, labeled in FILES:
        t = np.arange(rows)
        values = np.sin(2 * np.pi * t / 50) + 0.1 * rng.standard_normal(rows)
        label = np.zeros(rows, dtype=int)
        label[first : first + labeled] = 1
        values[label == 1] += 3.0
        pd.DataFrame({"Data": values, "Label": label}).to_csv(root / name, index=False)
    return root


def bench_cli(*args: str, config_dir: Path, cwd: Path) -> subprocess.CompletedProcess:
    """`tsadlab-bench <args>` with the user's own configs in config_dir."""
    return command("bench", *args, cwd=cwd, env={"TSADLAB_CONFIG_DIR": str(config_dir)})


@pytest.fixture
def tiny_bench(tmp_path):
    """A user's benchmark config and archive: (args, config dir, bench folder)."""
    conf = tmp_path / "conf" / "benchmark"
    conf.mkdir(parents=True)
    (conf / "tiny.yaml").write_text(BENCHMARK)
    root = tsb_ad_folder(tmp_path / "TSB-AD-U")
    out = tmp_path / "bench"
    args = ["benchmark=tiny", f"data.root={root}", f"hydra.sweep.dir={out}"]
    return args, tmp_path / "conf", out


def test_bench_runs_every_job_writes_the_tables_places_the_methods_and_resumes(tiny_bench):
    args, conf, out = tiny_bench
    done = bench_cli(*args, config_dir=conf, cwd=out.parent)
    assert done.returncode == 0, done.stderr
    log = done.stdout + done.stderr
    # the rolling z-score's scores do not depend on the seed: it runs once per series
    assert (
        "12 jobs (3 methods x 3 series x 2 seeds, once for rolling_zscore, long_window: "
        "seed-free, protocol tsb_ad)" in log
    )
    assert "[12/12]" in log and "ETA" in log
    jobs = pd.read_csv(out / "jobs.csv")
    assert len(jobs) == 12
    assert set(jobs.loc[jobs["method"] == "rolling_zscore", "seed"]) == {0}
    assert set(jobs.loc[jobs["method"] == "random_score", "seed"]) == {0, 1}
    failed = jobs[jobs["status"] != "finished"]
    # only the long windows on the two files with 500 training rows fail, and say why
    assert set(failed["method"]) == {"long_window"} and len(failed) == 2
    assert set(failed["file"]) == {FILES[0][0], FILES[1][0]}
    assert failed["error"].str.contains("window").all()
    # the long table: every finished job's every metric, with its protocol and rows
    long = pd.read_csv(out / "results_long.csv")
    assert set(long["protocol"]) == {"tsb_ad"} and set(long["rows"]) == {"all"}
    per_job = long.groupby(["method", "file", "seed"]).size()
    assert len(per_job) == 10 and per_job.nunique() == 1
    assert {"vus_pr", "vus_roc", "affiliation_f1", "range_f1"} <= set(long["metric"])
    # the wide table in TSB-AD's layout, the mean over seeds
    wide = pd.read_csv(out / "results_wide.csv")
    assert list(wide.columns) == ["file", "random_score", "rolling_zscore", "long_window"]
    chosen = long[(long["metric"] == "vus_pr") & (long["method"] == "rolling_zscore")]
    expected = chosen.groupby("file")["value"].mean()
    assert np.allclose(wide.set_index("file")["rolling_zscore"].loc[expected.index], expected)
    # the summary compares methods on the one file all three have
    summary = pd.read_csv(out / "summary.csv").set_index("method")
    assert summary["common_series"].eq(1).all()
    assert summary.loc["long_window", ["series", "failed"]].tolist() == [1, 2]
    # the placement among the 32 published methods, on the 3 files: the method that
    # lacks two of them is left out, not allowed to shrink everyone's comparison
    board = pd.read_csv(out / "placement" / "leaderboard.csv")
    assert len(board) == 32 + 2
    assert list(board["place"]) == list(range(1, 35))
    assert board["mean_vus_pr"].is_monotonic_decreasing
    assert set(board.loc[board["source"] == "tsadlab", "method"]) == {
        "random_score (tsadlab)",
        "rolling_zscore (tsadlab)",
    }
    assert (
        "Not placed (see the log and jobs.csv): long_window"
        in (out / "placement" / "leaderboard.md").read_text()
    )
    published = pd.read_csv(UNI_TABLE).set_index("file")
    shared = [name for name, *_ in FILES]
    sub_pca = board.set_index("method").loc["Sub-PCA", "mean_vus_pr"]
    assert sub_pca == pytest.approx(published.loc[shared, "Sub-PCA"].mean())
    for name in ("cd_diagram.png", "pairs.csv", "ranks.csv", "comparison.md"):
        assert (out / "placement" / name).stat().st_size > 0

    # the same command again: finished jobs are skipped, the failed ones run again
    finished = artifacts.read_status(out / jobs.loc[0, "run_dir"])["time"]
    again = bench_cli(*args, config_dir=conf, cwd=out.parent)
    assert again.returncode == 0, again.stderr
    assert "10 finished earlier, 2 to run" in again.stdout + again.stderr
    assert artifacts.read_status(out / jobs.loc[0, "run_dir"])["time"] == finished
    assert len(pd.read_csv(out / "jobs.csv")) == 12


def test_a_rerun_runs_what_failed_gives_up_after_max_attempts_and_refuses_stale_results(tmp_path):
    jobs = make_jobs({"a": [0], "b": [0]}, ["s1", "s2"], {})
    fingerprints = {"a": "fa", "b": "fb"}

    def job_dir(job, status, fingerprint=None, attempts=1):
        folder = tmp_path / job.subdir
        folder.mkdir(parents=True)
        artifacts.mark_status(folder, status)
        if fingerprint:
            start_record(folder, fingerprint)
            for _ in range(attempts - 1):
                start_record(folder, fingerprint)

    first, second, third, fourth = jobs  # (s1, a), (s1, b), (s2, a), (s2, b)
    job_dir(first, "finished", "fa")  # done under these settings
    job_dir(second, "finished", "old")  # done under other settings: stale
    job_dir(third, "failed", "fa", attempts=3)  # failed three times: given up
    job_dir(fourth, "running", "fb")  # its process died: failed now, and run again
    states = job_states(tmp_path, jobs, fingerprints, max_attempts=3)
    assert states.pending == [fourth]
    assert states.stale == [second] and states.given_up == [third]
    assert artifacts.read_status(tmp_path / fourth.subdir)["status"] == "failed"
    assert job_states(tmp_path, jobs, fingerprints, max_attempts=4).pending == [third, fourth]


def test_a_method_runs_only_its_own_seeds_and_methods_advance_together():
    jobs = make_jobs({"seeded": [0, 1, 2], "seed_free": [0]}, ["s1", "s2"], {"s1": "f1.csv"})
    assert [(j.series, j.seed, j.method) for j in jobs] == [
        ("s1", 0, "seeded"),
        ("s1", 0, "seed_free"),
        ("s1", 1, "seeded"),
        ("s1", 2, "seeded"),
        ("s2", 0, "seeded"),
        ("s2", 0, "seed_free"),
        ("s2", 1, "seeded"),
        ("s2", 2, "seeded"),
    ]
    assert jobs[0].file == "f1.csv" and jobs[4].file == "s2"


def test_a_fingerprint_changes_with_what_makes_a_job_and_nothing_else(monkeypatch):
    base = {"data": {"window": 20}, "protocol": "tsb_ad"}
    same = fingerprint(["model=a"], ["data.root=/x"], base)
    assert same == fingerprint(
        ["model=a"], ["data.root=/x", "bench.max_attempts=5", "hydra.sweep.dir=/y"], base
    )
    assert same != fingerprint(["model=b"], ["data.root=/x"], base)
    # one folder however it is spelled on the command line
    monkeypatch.chdir("/")
    assert same == fingerprint(["model=a"], ["data.root=x/../x/"], base)
    assert same != fingerprint(["model=a"], ["data.root=/x", "trainer.epochs=3"], base)
    assert same != fingerprint(["model=a"], ["data.root=/x"], {**base, "protocol": "split"})


@pytest.mark.parametrize("value", ["abc", "a'b", "a\\b", "end\\", "q\\'z", "a b,c=d"])
def test_a_series_name_reaches_its_job_as_it_is(value):
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_override(f"bench.series={quoted(value)}")
    assert parsed.value() == value


def test_bench_input_errors_are_one_line(tiny_bench, tmp_path, monkeypatch):
    args, conf, out = tiny_bench
    # found by the check before Hydra starts (in this process)
    monkeypatch.setenv("TSADLAB_CONFIG_DIR", str(conf))
    for extra, message in (
        ("bench.metric=nope", "Received: bench.metric=nope (one of"),
        ("+bench.methods.bad=[nonsense]", "each entry is an override of the run config"),
    ):
        assert message in common.precheck_overrides([*args, extra], "bench")
    monkeypatch.setattr(sys, "argv", ["tsadlab-bench", "data.root=x"])
    with pytest.raises(SystemExit, match="name a benchmark"):
        bench_main()
    # found by the sweeper, once the archive is read: before any job runs
    for extra, message in (
        ("seed=0,1", "a benchmark's jobs come from bench.methods and bench.seeds"),
        ("+bench.methods.bad=['model=nope']", "Received: bench.methods.bad=['model=nope']"),
    ):
        done = bench_cli(*args, extra, config_dir=conf, cwd=tmp_path)
        assert done.returncode != 0
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and message in errors[0], done.stderr[-2000:]
    assert not (out / "jobs.csv").exists()


@pytest.mark.slow
def test_bench_through_submitit_local_as_a_stand_in_for_slurm(tiny_bench):
    args, conf, out = tiny_bench
    done = bench_cli(
        *args,
        "hydra/launcher=submitit_local",
        "bench.seeds=[0]",
        "bench.published=null",
        config_dir=conf,
        cwd=out.parent,
    )
    assert done.returncode == 0, done.stderr
    jobs = pd.read_csv(out / "jobs.csv")
    assert len(jobs) == 9 and (jobs["status"] == "finished").sum() == 7
    pids = {artifacts.read_status(out / d)["pid"] for d in jobs["run_dir"]}
    assert os.getpid() not in pids  # each job ran in a process of submitit's


def test_protocols_choose_the_fitted_and_scored_rows():
    split = np.array(["train"] * 3 + ["val"] + ["test"] * 4)
    rows, which = scored_rows(split, Protocol.split)
    assert which == "test" and rows.tolist() == [False] * 4 + [True] * 4
    for protocol in (Protocol.tsb_ad, Protocol.orion):
        rows, which = scored_rows(split, protocol)
        assert which == "all" and rows.all()
    no_test = np.array(["train"] * 4)
    assert scored_rows(no_test, Protocol.split)[1] == "all"


@pytest.mark.parametrize(
    ("protocol", "train_rows", "scored"),
    [("split", 500, "test"), ("tsb_ad", 500, "all"), ("orion", 1000, "all")],
)
def test_a_run_records_its_protocol_and_fits_and_scores_its_rows(
    tmp_path, protocol, train_rows, scored
):
    root = tsb_ad_folder(tmp_path / "TSB-AD-U")
    cfg = {
        "data": {"source": "tsb_ad", "root": str(root), "series": FILES[0][0], "window": 20},
        "model": {"name": "rolling_zscore"},
        "threshold": {"name": "mean_std"},
        "protocol": protocol,
    }
    metrics = run(cfg, tmp_path / "run").metrics
    assert metrics["protocol"] == protocol
    assert metrics["sizes"]["rows_train_period"] == train_rows
    assert metrics["labeled"]["protocol"] == protocol
    assert metrics["labeled"]["rows"] == scored
    saved = (tmp_path / "run" / "config.yaml").read_text()
    assert f"protocol: {protocol}" in saved
    written = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert written["labeled"]["rows"] == scored


def test_orion_protocol_fits_every_row_even_where_the_source_splits():
    from tsadlab.data.sources.tsb_ad import TsbAdDataConfig

    data = TsbAdDataConfig(root="x", series="y")
    fitted = fitted_data(data, Protocol.orion)
    assert fitted.train_fraction == 1.0 and not fitted.source_split
    assert fitted_data(data, Protocol.tsb_ad) is data


def test_a_search_never_tunes_on_labels_that_its_protocol_scores_again():
    from tsadlab.config import to_run_config
    from tsadlab.errors import ConfigError
    from tsadlab.tuning.hypermodel import choose_objective

    for protocol in ("tsb_ad", "orion"):
        cfg = to_run_config(compose_config([f"protocol={protocol}"]))
        with pytest.raises(ConfigError, match=f"protocol={protocol}"):
            choose_objective(cfg, "val_event_f1", labeled_val_rows=10)
        assert choose_objective(cfg, "auto", labeled_val_rows=10) == "val_loss"
    split = to_run_config(compose_config(["protocol=split"]))
    assert choose_objective(split, "auto", labeled_val_rows=10) == "val_event_f1"


def test_paths_given_with_a_tilde_are_the_users_home(monkeypatch, tmp_path):
    from tsadlab.config import absolute_paths

    monkeypatch.setenv("HOME", str(tmp_path))
    cfg = compose_config(["data=tsb_ad", "data.root='~/TSB-AD-U'"])  # quoted: Hydra's grammar
    absolute_paths(cfg)
    assert cfg.data.root == str(tmp_path / "TSB-AD-U")


@pytest.mark.parametrize("name", sorted(p.stem for p in (CONFIG_DIR / "benchmark").glob("*.yaml")))
def test_every_packaged_benchmark_fits_its_schema(name):
    from omegaconf import OmegaConf

    from tsadlab.bench.config import BenchRunConfig
    from tsadlab.config import to_run_config

    cfg = compose_config([f"benchmark={name}"], "bench")
    for key in OmegaConf.missing_keys(cfg):  # the archive's folder: the user's to give
        OmegaConf.update(cfg, key, "placeholder")
    bench = to_run_config(cfg, BenchRunConfig)  # unknown keys and bad values fail here
    assert bench.bench.name == name and bench.bench.methods
