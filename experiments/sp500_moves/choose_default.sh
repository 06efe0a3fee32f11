#!/usr/bin/env bash
# Choose the default S&P 500 configuration on validation years inside the tutorial's training
# period (1986-01 .. 2011-12), never on its test period (2011-12-23 .. 2018-06-29).
# Three folds, each trained on every year before its validation years:
#   1997-2001 (rows to 2001-12-31), 2002-2006 (to 2006-12-29), 2007-2011 (to 2011-12-22);
# x data.volatility none, ewma, garch x seeds 0, 1, 2 = 27 trainings; each run is then
# re-scored (tsadlab-evaluate) under every candidate threshold and alignment, and
# choose_default.py applies the rule written in README.md.
# Usage (from the repository root, after `make setup`):
#   bash experiments/sp500_moves/choose_default.sh [output folder] [parallel jobs, default 2] \
#     [more overrides for every training, e.g. scoring.error=point]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-outputs/sp500_moves/choose_default_$(date +%Y-%m-%d_%H-%M-%S)}"
jobs="${2:-2}"
extra=("${@:3}")
bin=.venv/bin
folds=("1997-01-02 4039" "2002-01-02 5298" "2007-01-03 6553")
for fold in "${folds[@]}"; do
  read -r start rows <<<"$fold"
  dir="$out/fold_${start:0:4}"
  finished=$( (grep -l '"status": "finished"' "$dir"/[0-9]*/status.json 2>/dev/null || true) | wc -l)
  if [ "$finished" -eq 9 ]; then
    echo "$dir: every job finished, kept"
    continue
  fi
  $bin/tsadlab-train -m name=sp500_select "data.rows=$rows" "data.test_start=$start" \
    data.volatility=none,ewma,garch seed=0,1,2 trainer.verbose=0 "${extra[@]}" \
    hydra/launcher=joblib "hydra.launcher.n_jobs=$jobs" "hydra.sweep.dir=$dir"
done
runs=$(ls -d "$out"/fold_*/[0-9]* | paste -sd, -)
$bin/tsadlab-evaluate -m "run_dir=$runs" threshold=quantile threshold.q=0.99,0.995,0.999 \
  alignment=end,mean
$bin/tsadlab-evaluate -m "run_dir=$runs" threshold=pot,mad,mean_std alignment=end,mean
$bin/python experiments/sp500_moves/choose_default.py "$out"
