"""`tsadlab-report`: every run of a folder in one table, and the ones that did not finish
listed as failed, interrupted or incomplete."""

import json
import os

import pandas as pd
import pytest
from conftest import NO_FIGURES, TINY, compose_config

from tsadlab import artifacts, run_series
from tsadlab.cli.report import main
from tsadlab.reporting.collect import find_runs, run_row
from tsadlab.reporting.tables import varied_keys
from tsadlab.run import run


@pytest.fixture(scope="module")
def without_run_figures():
    """The module's runs draw no figures, as in every other test (tests/conftest.py): these
    are made once for the module, before a test's own stand-in applies."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_series, "figures", NO_FIGURES)
        yield


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, without_run_figures):
    """A sweep folder: two finished runs (one a rerun inside it), one failed, one killed,
    one interrupted, one with its metrics missing."""
    root = tmp_path_factory.mktemp("sweep")
    run(compose_config([*TINY, "seed=1"]), root / "0")
    run(compose_config([*TINY, "seed=2", "trainer.epochs=1"]), root / "1")
    (root / "1" / "reruns" / "x").mkdir(parents=True)
    (root / "1" / "reruns" / "x" / "status.json").write_text('{"status": "finished"}')
    artifacts.start_run_dir(root / "2")
    artifacts.mark_status(root / "2", "failed", error="training loss became nan at epoch 3")
    artifacts.write_json(
        root / "3" / "status.json", {"status": "running", "pid": 999999999, "host": os.uname()[1]}
    )
    artifacts.start_run_dir(root / "4")
    artifacts.mark_status(root / "4", "failed", error="interrupted", resumed_in=str(root / "0"))
    run(compose_config([*TINY, "seed=3", "trainer.epochs=1"]), root / "5")
    (root / "5" / "metrics.json").unlink()
    return root


def test_every_run_is_one_row_with_its_state(sweep, tmp_path, capsys):
    main([str(sweep), "--out", str(tmp_path / "report")])
    runs = pd.read_csv(tmp_path / "report" / "runs.csv")
    assert [os.path.basename(r) for r in runs["run_dir"]] == ["0", "1", "2", "3", "4", "5"]
    assert list(runs["state"]) == [
        "finished",
        "finished",
        "failed",
        "incomplete",
        "interrupted",
        "incomplete",
    ]
    assert list(runs["config.seed"].iloc[:2]) == [1, 2]
    assert list(runs["config.model.encoder_units"].iloc[:2]) == ["[4]", "[4]"]
    assert runs["metrics.training.epochs_run"].iloc[1] == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "6 runs: 2 finished, 1 failed, 1 interrupted, 2 incomplete"
    assert "failed " in out and "training loss became nan at epoch 3" in out
    assert f"(resumed in {sweep / '0'})" in out


def test_globs_and_a_run_folder_itself(sweep):
    assert find_runs([str(sweep / "[01]")]) == [sweep / "0", sweep / "1"]
    assert find_runs([str(sweep / "2")]) == [sweep / "2"]


def test_a_running_run_is_running(tmp_path):
    artifacts.start_run_dir(tmp_path / "live")  # this test process is alive
    assert run_row(tmp_path / "live")["state"] == "running"


def test_unreadable_metrics_do_not_stop_the_report(sweep, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "status.json").write_text(json.dumps({"status": "finished"}))
    (broken / "metrics.json").write_text('{"half": ')
    row = run_row(broken)
    assert row["metrics.unreadable"] == "metrics.json"


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (["{missing}"], "error: no such file or folder: "),
        (["{empty}"], "error: no runs found in "),
    ],
)
def test_nothing_to_report_is_one_line(tmp_path, capsys, paths, message):
    (tmp_path / "empty").mkdir()
    args = [p.format(missing=tmp_path / "nope", empty=tmp_path / "empty") for p in paths]
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--out", str(tmp_path / "r")])
    assert str(exit_.value).startswith(message)
    assert not (tmp_path / "r").exists()


# Three labeled synthetic datasets x three baselines x two seeds, plus a failed run and a run
# whose metrics.json is missing: a small real comparison that trains no network.
DATASETS = {"synA": 1, "synB": 2, "synC": 3}
METHODS = ("rolling_zscore", "random_score", "isolation_forest")


@pytest.fixture(scope="module")
def comparison(tmp_path_factory, without_run_figures):
    root = tmp_path_factory.mktemp("comparison")
    job = 0
    for name, data_seed in DATASETS.items():
        for method in METHODS:
            for seed in (0, 1):
                overrides = [
                    "data=synthetic",
                    f"data.name={name}",
                    f"data.seed={data_seed}",
                    "data.length=600",
                    "data.window=20",
                    "data.anomaly_length=20",
                    "data.n_anomalies=4",
                    f"model={method}",
                    f"seed={seed}",
                ]
                run(compose_config(overrides), root / str(job))
                job += 1
    artifacts.start_run_dir(root / "failed")
    artifacts.mark_status(root / "failed", "failed", error="a reason")
    (root / "0" / "metrics.json").unlink()  # now incomplete
    out = root / "report"
    main([str(root), "--out", str(out)])
    return root, out


def test_report_groups_finished_runs_and_lists_the_rest(comparison):
    _, out = comparison
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 9  # 3 datasets x 3 methods
    keys = {"config.data.name", "config.data.seed", "config.model.name"}
    assert keys <= set(summary.columns) and "config.model.n_estimators" not in summary
    runs = summary["runs"].to_numpy()
    assert sorted(runs) == [1] + [2] * 8  # job 0 lost its metrics: one run left there
    f1 = "metrics.labeled.event.f1"
    row = summary[summary["runs"] == 2].iloc[0]
    group = pd.read_csv(out / "runs.csv")
    members = group[
        (group["state"] == "finished")
        & (group["config.data.name"] == row["config.data.name"])
        & (group["config.model.name"] == row["config.model.name"])
    ][f1]
    assert row[f"{f1}:mean"] == pytest.approx(members.mean())
    assert row[f"{f1}:n"] == 2
    not_finished = pd.read_csv(out / "not_finished.csv")
    assert sorted(not_finished["state"]) == ["failed", "incomplete"]


def test_report_tables_for_a_paper(comparison):
    _, out = comparison
    markdown = (out / "summary.md").read_text()
    assert markdown.startswith("| group | runs | affiliation F | overlap F1 |")
    assert markdown.count("**") >= 2 and " ± " in markdown
    latex = (out / "summary.tex").read_text()
    assert "\\toprule" in latex and "\\textbf{" in latex and "$\\pm$" in latex
    assert "data.name=synA" in markdown and "data.name=synA" in latex.replace("\\_", "_")


def test_report_compares_methods_over_datasets(comparison):
    _, out = comparison
    ranks = pd.read_csv(out / "ranks.csv").set_index("config.data.name")
    assert sorted(ranks.index) == ["synA", "synB", "synC"]
    assert set(ranks.columns) == {f"model.name={m}" for m in METHODS}
    assert (ranks.sum(axis=1) == 6).all()  # ranks 1..3 on every dataset, ties averaged
    pairs = pd.read_csv(out / "pairs.csv")
    assert len(pairs) == 3 and (pairs["holm_p"] >= pairs["wilcoxon_p"]).all()
    for figure in ("cd_diagram", "labeled_event_f1", "score_distributions"):
        assert (out / "figures" / f"{figure}.png").stat().st_size > 1000
    page = (out / "index.html").read_text()
    assert "<img src='figures/cd_diagram.png'" in page and "Runs that did not finish" in page
    assert "<a href='comparison.md'>" in page and "average rank" in page
    # the paper's table: datasets x methods by average rank, the winner of each row in bold
    lines = (out / "comparison.md").read_text().splitlines()
    assert "| dataset | " + " | ".join(ranks.mean().sort_values().index) + " |" in lines
    rows = {line.split(" | ")[0].strip("| "): line for line in lines if line.startswith("| syn")}
    assert sorted(rows) == ["synA", "synB", "synC"]
    assert all(line.count("**") >= 2 for line in rows.values())
    assert any(line.startswith("Friedman test: chi² = ") for line in lines)
    assert sum(line.endswith(("| yes |", "| no |")) for line in lines) == 3


def test_group_by_chosen_keys(comparison, tmp_path):
    root, _ = comparison
    by = ["--group-by", "config.data.name", "--group-by", "config.model.name"]
    main([str(root), "--out", str(tmp_path / "r"), *by])
    summary = pd.read_csv(tmp_path / "r" / "summary.csv")
    assert len(summary) == 9 and "config.data.seed" not in summary
    main([str(root), "--out", str(tmp_path / "m"), "--group-by", "config.model.name"])
    summary = pd.read_csv(tmp_path / "m" / "summary.csv")
    assert sorted(summary["runs"]) == [5, 6, 6]  # every dataset pooled; job 0 is incomplete
    with pytest.raises(SystemExit) as exit_:
        main([str(root), "--out", str(tmp_path / "x"), "--group-by", "config.model.nope"])
    assert str(exit_.value).startswith("error: no run has config key config.model.nope")
    assert not (tmp_path / "x").exists()
    with pytest.raises(SystemExit) as exit_:
        main([str(root), "--out", str(tmp_path / "d"), *by, "--dataset-key", "config.data.x"])
    assert str(exit_.value).startswith("error: no run has config key config.data.x (choose")
    assert not (tmp_path / "d").exists()


def test_training_curves_are_overlaid(sweep, tmp_path):
    main([str(sweep), "--out", str(tmp_path / "r")])
    assert (tmp_path / "r" / "figures" / "training_curves.png").exists()
    assert not (tmp_path / "r" / "ranks.csv").exists()  # one dataset: nothing to rank


def test_an_unknown_metric_is_one_line(sweep, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        main([str(sweep), "--out", str(tmp_path / "r"), "--metric", "metrics.nope"])
    assert str(exit_.value).startswith("error: no run has metric metrics.nope")
    assert not (tmp_path / "r").exists()


def test_an_alignment_the_model_resolved_does_not_name_a_method_but_a_swept_one_does():
    runs = pd.DataFrame(
        {
            "config.model.name": ["sub_pca", "lstm_ae", "sub_pca", "lstm_ae"],
            "config.scoring.alignment": ["centre", "end", "centre", "end"],
        }
    )
    assert varied_keys(runs) == ["config.model.name"]  # resolved per model (auto)
    runs["config.scoring.alignment"] = ["centre", "end", "mean", "end"]  # swept for sub_pca
    assert varied_keys(runs) == ["config.model.name", "config.scoring.alignment"]
