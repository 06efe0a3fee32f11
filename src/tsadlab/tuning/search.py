"""A KerasTuner search over the pipeline: the tuner, its stable project folder, progress lines,
and what a finished search leaves behind (trials.csv, figures, the best config as an experiment).

KerasTuner's own distributed mode needs nothing here: the same command started with
KERASTUNER_TUNER_ID=chief (the oracle) or another id (a worker), KERASTUNER_ORACLE_IP and
KERASTUNER_ORACLE_PORT, and the same search folder, splits the trials among the workers.
"""

import hashlib
import json
import logging
import os
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras_tuner
import pandas as pd
import yaml

from tsadlab import artifacts
from tsadlab.errors import TsadlabError
from tsadlab.figures.search import search_figures
from tsadlab.private_apis import atomic_keras_tuner_files
from tsadlab.tracking.search import SearchTracker
from tsadlab.tuning.config import objective_direction
from tsadlab.tuning.hypermodel import PipelineHyperModel
from tsadlab.tuning.space import SearchSpace, apply_values
from tsadlab.tuning.trials import format_seconds, format_values, last_line, write_trials_csv

log = logging.getLogger(__name__)

# Search keys that may change without making earlier trials incomparable: a larger budget
# continues the same search.
BUDGET_KEYS = ("max_trials", "retrain_best", "directory", "max_consecutive_failed_trials")
# Trainer keys that change neither a trial's model nor its objective.
NOT_IN_PROJECT = ("verbose", "resume", "resume_dir")


def project_name(settings: dict) -> str:
    """<search name>-<hash of everything the trials' objectives depend on>."""
    search = {k: v for k, v in settings["search"].items() if k not in BUDGET_KEYS}
    trainer = {k: v for k, v in settings["trainer"].items() if k not in NOT_IN_PROJECT}
    # the trackers record a search without changing it
    basis = {k: v for k, v in settings.items() if k != "logger"}
    basis.update(search=search, trainer=trainer)
    digest = hashlib.sha256(json.dumps(basis, sort_keys=True, default=str).encode()).hexdigest()
    return f"{settings['search']['name']}-{digest[:10]}"


def distributed_role() -> str | None:
    """'chief' or the worker's id under KerasTuner's distributed mode; None when alone."""
    if "KERASTUNER_ORACLE_IP" not in os.environ or "KERASTUNER_ORACLE_PORT" not in os.environ:
        return None
    return os.environ.get("KERASTUNER_TUNER_ID", "tuner0")


class ProgressMixin:
    """One line per finished trial, its wall time on disk, and trials.csv kept current."""

    hypermodel: PipelineHyperModel
    oracle: Any
    tuner_id: str
    project_dir: str
    max_trials: int | None = None  # for "trial 3 (4/20)"; a worker's oracle cannot tell
    search_tracker: SearchTracker | None = None  # logger=mlflow: each trial as a nested run

    def on_search_begin(self) -> None:
        super().on_search_begin()
        self._search_start = time.perf_counter()

    def on_trial_begin(self, trial: Any) -> None:
        super().on_trial_begin(trial)
        self.hypermodel.start_trial()
        self._trial_start = time.perf_counter()

    def on_trial_end(self, trial: Any) -> None:
        seconds = time.perf_counter() - self._trial_start
        artifacts.write_json(
            Path(self.project_dir) / f"trial_{trial.trial_id}" / "timing.json",
            {"seconds": round(seconds, 3), "worker": self.tuner_id},
        )
        try:
            super().on_trial_end(trial)
        finally:
            print(self._progress_line(trial.trial_id, seconds), flush=True)
            write_trials_csv(Path(self.project_dir), self.hypermodel.space)
            if self.search_tracker:  # the trial as the oracle ended it: status, score
                ended = self.oracle.get_trial(trial.trial_id)
                self.search_tracker.log_trial(ended, self.hypermodel.space, self.tuner_id, seconds)

    def _progress_line(self, trial_id: str, seconds: float) -> str:
        trial = self.oracle.get_trial(trial_id)
        name = self.hypermodel.objective
        result = (
            f"{name} {trial.score:.5g}"
            if trial.status == "COMPLETED"
            else f"{trial.status}: {last_line(trial.message)}"
        )
        best = self.oracle.get_best_trials(1)
        best_text = (
            f"best {best[0].score:.5g} (trial {best[0].trial_id})"
            if best and best[0].status == "COMPLETED"
            else "best -"
        )
        values = self.hypermodel.space.values_from(trial.hyperparameters.values)
        budget = self.max_trials
        number = f" ({int(trial_id) + 1}/{budget})" if budget else ""
        elapsed = time.perf_counter() - self._search_start
        return (
            f"trial {trial_id}{number} [{self.tuner_id}] {result} | {best_text} | "
            f"{seconds:.1f} s, elapsed {format_seconds(elapsed)} | {format_values(values)}"
        )


class RandomTuner(ProgressMixin, keras_tuner.RandomSearch):
    pass


class BayesianTuner(ProgressMixin, keras_tuner.BayesianOptimization):
    pass


class HyperbandTuner(ProgressMixin, keras_tuner.Hyperband):
    pass


def make_tuner(settings: dict, hypermodel: PipelineHyperModel, directory: Path) -> Any:
    """The configured KerasTuner tuner over `hypermodel`, reloading its project if it exists."""
    search = settings["search"]
    objective = keras_tuner.Objective(
        hypermodel.objective, direction=objective_direction(hypermodel.objective)
    )
    common = {
        "hypermodel": hypermodel,
        "objective": objective,
        # KerasTuner takes seed 0 as "no seed" and draws a random one: shift by one so that
        # every search.seed, 0 included, fixes the sequence of trials.
        "seed": search["seed"] + 1,
        "executions_per_trial": search["executions_per_trial"],
        "max_consecutive_failed_trials": search["max_consecutive_failed_trials"],
        "directory": str(directory),
        "project_name": project_name(settings),
        "overwrite": False,
    }
    if search["tuner"] == "hyperband":
        return HyperbandTuner(
            max_epochs=search["max_epochs"] or settings["trainer"]["epochs"],
            factor=search["factor"],
            **common,
        )
    tuner_class = RandomTuner if search["tuner"] == "random" else BayesianTuner
    tuner = tuner_class(max_trials=search["max_trials"], **common)
    tuner.max_trials = search["max_trials"]
    return tuner


@dataclass(frozen=True)
class SearchResult:
    """Where a search lives and what it found."""

    project_dir: Path
    trials: pd.DataFrame
    best_settings: dict | None
    best_trial: str | None
    experiment_file: Path | None


def run_search(
    settings: dict,
    space: SearchSpace,
    experiment_dir: Path | None = None,
    choices: dict[str, str] | None = None,
) -> SearchResult:
    """Run (or resume) the search; alone or as the chief, export the best configuration.

    `experiment_dir` is where `<search name>_best.yaml` goes (the user's conf/experiment for
    the CLI); `choices` are the config groups' chosen files, written into it as defaults
    overrides. KerasTuner's state files are written atomically while the search runs.
    """
    with atomic_keras_tuner_files(artifacts.write_text):
        return _run_search(settings, space, experiment_dir, choices)


def _run_search(
    settings: dict,
    space: SearchSpace,
    experiment_dir: Path | None,
    choices: dict[str, str] | None,
) -> SearchResult:
    search = settings["search"]
    artifacts.safe_name(search["name"], "search.name")  # it names files in conf/experiment/
    directory = Path(search["directory"])
    hypermodel = PipelineHyperModel(settings, space, search["objective"])
    tuner = make_tuner(settings, hypermodel, directory)
    project_dir = Path(tuner.project_dir)
    role = distributed_role()
    artifacts.write_text(project_dir / "search.yaml", yaml.safe_dump(settings, sort_keys=False))
    tuner.search_tracker = SearchTracker.for_search(
        settings, project_dir, chief=role in (None, "chief")
    )
    log.info(
        "search %s: %s tuner, objective %s, %s; folder %s",
        search["name"],
        search["tuner"],
        hypermodel.objective,
        search_budget(settings, tuner, role),
        project_dir,
    )
    if role:
        log.info("distributed mode: this process is %s", role)
    try:
        tuner.search(epochs=settings["trainer"]["epochs"], verbose=0)
    except RuntimeError as exc:  # KerasTuner's stop after too many failed trials in a row
        if "consecutive failures" not in str(exc):
            raise
        raise TsadlabError(
            f"search stopped after {search['max_consecutive_failed_trials']} failed trials in a "
            f"row (search.max_consecutive_failed_trials), the last with: {last_line(str(exc))}; "
            f"see {project_dir / 'trials.csv'}"
        ) from None
    finally:
        trials = write_trials_csv(project_dir, space)
    if role not in (None, "chief"):
        mine = int((trials["worker"] == role).sum()) if "worker" in trials else 0
        log.info("worker %s finished: it ran %d trials", role, mine)
        return SearchResult(project_dir, trials, None, None, None)
    return finish_search(settings, space, hypermodel, tuner, trials, experiment_dir, choices)


def finish_search(
    settings: dict,
    space: SearchSpace,
    hypermodel: PipelineHyperModel,
    tuner: Any,
    trials: pd.DataFrame,
    experiment_dir: Path | None,
    choices: dict[str, str] | None,
) -> SearchResult:
    """Figures, the summary line and the best configuration of a finished search."""
    project_dir = Path(tuner.project_dir)
    objective = hypermodel.objective
    search_figures(trials, objective, objective_direction(objective), project_dir / "figures")
    best = tuner.oracle.get_best_trials(1)
    completed = int((trials["status"] == "COMPLETED").sum()) if len(trials) else 0
    if not best or best[0].status != "COMPLETED":
        if tuner.search_tracker:
            tuner.search_tracker.finish()
        raise TsadlabError(f"no trial of the search completed; see {project_dir / 'trials.csv'}")
    best_trial = best[0]
    best_values = space.values_from(best_trial.hyperparameters.values)
    best_settings = apply_values(settings, best_values)
    log.info(
        "search finished: %d trials, %d completed; best trial %s, %s %.5g: %s",
        len(trials),
        completed,
        best_trial.trial_id,
        objective,
        best_trial.score,
        format_values(best_values),
    )
    header = (
        f"Best trial ({best_trial.trial_id}) of search {settings['search']['name']} in "
        f"{project_dir}: {objective} = {best_trial.score:.6g}, out of {completed} completed "
        f"trials. Written by tsadlab-tune; retrain it with: "
        f"tsadlab-train experiment={settings['search']['name']}_best"
    )
    text = best_experiment_yaml(best_settings, choices or {}, header)
    artifacts.write_text(project_dir / "best_experiment.yaml", text)
    if tuner.search_tracker:
        tuner.search_tracker.finish(best_trial.trial_id, best_trial.score)
    experiment_file = None
    if experiment_dir is not None:
        experiment_file = artifacts.write_text(
            experiment_dir / f"{settings['search']['name']}_best.yaml", text
        )
        log.info(
            "best configuration: %s; retrain: tsadlab-train experiment=%s_best",
            experiment_file,
            settings["search"]["name"],
        )
    return SearchResult(project_dir, trials, best_settings, best_trial.trial_id, experiment_file)


def best_experiment_yaml(best: dict, choices: dict[str, str], header: str) -> str:
    """An experiment file that sets every value of the best trial's run config."""
    groups = ("data", "model", "trainer", "threshold")
    body = {
        "defaults": [{f"override /{g}": choices[g]} for g in groups if g in choices],
        "name": f"{best['search']['name']}_best",
        "seed": best["seed"],
        "backend": best["backend"],
        **{g: best[g] for g in (*groups, "scoring")},
    }
    body["trainer"] = {k: v for k, v in body["trainer"].items() if k != "verbose"}
    if not body["defaults"]:
        del body["defaults"]
    comment = "\n".join(f"# {line}" for line in textwrap.wrap(header, 96))
    return f"# @package _global_\n{comment}\n{yaml.safe_dump(body, sort_keys=False)}"


def search_budget(settings: dict, tuner: Any, role: str | None) -> str:
    """What is left of the search's budget, as far as this process can tell."""
    search = settings["search"]
    if search["tuner"] == "hyperband":
        return f"hyperband max_epochs {search['max_epochs'] or settings['trainer']['epochs']}"
    if role not in (None, "chief"):  # a worker's oracle is a remote proxy
        return f"max_trials {search['max_trials']}"
    return f"{tuner.remaining_trials} of {search['max_trials']} trials left"
