"""`tsadlab-tune`: a KerasTuner search over the run config, declared in conf/search/.

tsadlab-tune                                        # the default search (sp500_lstm_ae)
tsadlab-tune search=quick search.max_trials=6       # a small search
tsadlab-tune search.tuner=bayesian search.retrain_best=true
Run the same command again to resume. Distributed: the same command on every machine, with
KERASTUNER_TUNER_ID=chief|<worker id>, KERASTUNER_ORACLE_IP, KERASTUNER_ORACLE_PORT set and
search.directory on a shared folder.
"""

import datetime
import sys
from typing import TYPE_CHECKING

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.utils import to_absolute_path
from omegaconf import DictConfig

from tsadlab.cli.common import (
    CONFIG_DIR,
    error_line,
    run_hydra_app,
    user_config_dir,
)
from tsadlab.config import absolute_paths, settings_of, to_run_config
from tsadlab.errors import TsadlabError
from tsadlab.run import run
from tsadlab.runtime import load_keras
from tsadlab.tuning.config import TuneConfig

if TYPE_CHECKING:
    from tsadlab.tuning.search import SearchResult


def tune(cfg: DictConfig, choices: dict[str, str] | None = None) -> "SearchResult":
    """Run or resume the configured search; optionally retrain its best configuration. The
    best configuration is written as an experiment into the user's config folder
    (conf/experiment/ where the command runs, or $TSADLAB_CONFIG_DIR/experiment)."""
    typed = to_run_config(cfg, TuneConfig)  # every value checked before anything runs
    load_keras(typed.backend)  # before KerasTuner imports Keras with the default backend
    from tsadlab.tuning.search import run_search
    from tsadlab.tuning.space import parse_space

    absolute_paths(cfg)
    cfg.search.directory = to_absolute_path(cfg.search.directory)
    space = parse_space(cfg.search.space, cfg)
    settings = settings_of(cfg)
    result = run_search(settings, space, user_config_dir() / "experiment", choices)
    if typed.search.retrain_best and result.best_settings is not None:
        stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        best = {k: v for k, v in result.best_settings.items() if k != "search"}
        best["name"] = f"{typed.search.name}_best"
        run(best, result.project_dir / "retrain" / stamp)
    return result


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="tune")
def _hydra_main(cfg: DictConfig) -> None:
    choices = dict(HydraConfig.get().runtime.choices)
    try:
        tune(cfg, {k: v for k, v in choices.items() if v is not None})
    except (TsadlabError, OSError) as exc:
        print(f"error: {error_line(exc)}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        from tsadlab.tuning.search import distributed_role

        role = distributed_role()
        print(
            "interrupted: finished trials are kept; run the same command to resume"
            + (f" (this process was {role})" if role else ""),
            file=sys.stderr,
        )
        sys.exit(130)


def main() -> None:
    """Console entry point."""
    run_hydra_app(_hydra_main, "tune")


if __name__ == "__main__":
    main()
