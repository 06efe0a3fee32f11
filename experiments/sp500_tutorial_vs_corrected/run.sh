#!/usr/bin/env bash
# The tutorial vs the corrected default, on the tutorial's period and on the full series,
# each with seeds 0, 1, 2; then the table (summarise.py) and the independent check of the
# targets (experiments/sp500_moves/check.py).
# Usage (from the repository root, after `make setup`):
#   bash experiments/sp500_tutorial_vs_corrected/run.sh [output folder] [parallel jobs, default 2]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-outputs/sp500_tutorial_vs_corrected/$(date +%Y-%m-%d_%H-%M-%S)}"
jobs="${2:-2}"
bin=.venv/bin
seeds=(seed=0,1,2 hydra/launcher=joblib "hydra.launcher.n_jobs=$jobs")
$bin/tsadlab-train -m experiment=sp500_tutorial "${seeds[@]}" "hydra.sweep.dir=$out/tutorial"
$bin/tsadlab-train -m "${seeds[@]}" "hydra.sweep.dir=$out/default"
$bin/tsadlab-train -m data=sp500_full "${seeds[@]}" "hydra.sweep.dir=$out/default_full"
$bin/python experiments/sp500_tutorial_vs_corrected/summarise.py "$out"
# exits 1 when a run misses a target: the table above is printed either way
$bin/python experiments/sp500_moves/check.py --default "$out"/default/[0-9]* \
  --full "$out"/default_full/[0-9]*
