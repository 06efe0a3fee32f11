"""`tsadlab-evaluate`: re-score a finished run under other thresholds and alignments.

tsadlab-evaluate run_dir=outputs/default/<time> threshold=pot alignment=mean
tsadlab-evaluate run_dir=... threshold=best_f1        # the ORACLE upper bound, marked so
tsadlab-evaluate -m run_dir=... threshold=quantile,mad,pot,dynamic,windowed_std
"""

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import to_absolute_path
from omegaconf import DictConfig

from tsadlab.cli.common import CONFIG_DIR, error_line, run_hydra_app
from tsadlab.config import to_run_config
from tsadlab.errors import TsadlabError
from tsadlab.evaluation.config import EvaluateConfig
from tsadlab.evaluation.rescore import Evaluation, evaluate_run
from tsadlab.tracking.evaluation import log_evaluation


def summary_line(evaluation: Evaluation) -> str:
    """One line of what the evaluation found, oracle results marked as such."""
    m = evaluation.metrics
    parts = [
        f"{evaluation.out_dir}:",
        f"threshold {m['threshold']['strategy']}",
        f"alignment {m['alignment']}",
    ]
    if "event_micro" in m:
        parts.append(f"micro overlap F1 {m['event_micro']['f1']:.3f} over {m['n_series']} series")
    elif "labeled" in m:
        labeled = m["labeled"]
        auc = labeled["auc"]["pr_auc"]
        parts += [
            f"overlap F1 {labeled['event']['f1']:.3f}",
            f"point F1 {labeled['point']['f1']:.3f}",
            f"PA-F1 {labeled['point_adjusted']['f1']:.3f} (inflated)",
            f"PR-AUC {auc:.3f}" if auc is not None else "PR-AUC n/a",
        ]
    else:
        parts.append(f"flagged rows {m['anomalies']}")
    line = "; ".join([parts[0] + " " + parts[1], *parts[2:]])
    return ("ORACLE " if m["oracle"] else "") + line


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="evaluate")
def _hydra_main(cfg: DictConfig) -> None:
    try:
        chosen = to_run_config(cfg, EvaluateConfig)
        run_dir = Path(to_absolute_path(chosen.run_dir))
        evaluation = evaluate_run(run_dir, chosen.threshold, chosen.alignment, chosen.name)
        log_evaluation(run_dir, evaluation.out_dir)  # to the run's MLflow run, if it has one
    except (TsadlabError, OSError) as exc:
        print(f"error: {error_line(exc)}", file=sys.stderr)
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            return
        sys.exit(1)
    print(summary_line(evaluation))
    if "finding" in evaluation.metrics:  # a single series: what it found, in words
        print(evaluation.metrics["finding"]["text"])


def main() -> None:
    """Console entry point."""
    run_hydra_app(_hydra_main, "evaluate")


if __name__ == "__main__":
    main()
