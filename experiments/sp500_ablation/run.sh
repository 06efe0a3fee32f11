#!/usr/bin/env bash
# S&P 500 ablation: what each choice does to the test-period detections.
#   preparation: raw price scaled (the tutorial's), log return, log return in units of its
#                EWMA volatility, or of its GARCH(1,1) volatility (data.volatility)
#   x error: the window's mean absolute error (mae, the tutorial's) or each row's own error
#            against the median of its reconstructions (point, Orion's)
#   x seeds 0, 1, 2 = 24 trainings, everything else as the default config (the target is
#   the reconstruction; the tutorial's next-value target: experiments/sp500_tutorial_vs_corrected);
# then every run is re-scored without retraining under five more thresholds.
# Usage (from the repository root, after `make setup`):
#   bash experiments/sp500_ablation/run.sh [output folder] [parallel jobs, default 2]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-outputs/sp500_ablation/$(date +%Y-%m-%d_%H-%M-%S)}"
jobs="${2:-2}"
bin=.venv/bin
common=(name=sp500_ablation scoring.error=mae,point seed=0,1,2 trainer.verbose=0
  hydra/launcher=joblib "hydra.launcher.n_jobs=$jobs")
$bin/tsadlab-train -m "${common[@]}" data.transform=none data.volatility=none \
  "hydra.sweep.dir=$out/price"
$bin/tsadlab-train -m "${common[@]}" data.transform=log_return \
  data.volatility=none,ewma,garch "hydra.sweep.dir=$out/log_return"
runs=$(ls -d "$out"/*/[0-9]* | paste -sd, -)
$bin/tsadlab-evaluate -m "run_dir=$runs" threshold=fixed,quantile,mad,pot,mean_std
$bin/tsadlab-evaluate -m "run_dir=$runs" threshold=quantile threshold.q=0.995
$bin/python experiments/sp500_ablation/summarise.py "$out"
$bin/tsadlab-report "$out" --out "$out/report"
