#!/usr/bin/env bash
# S&P 500 ablation: the tutorial's target (next value) vs the corrected one (reconstruction),
# x transform (raw price, log return) x window (30, 60) x dropout (0, 0.2) x seeds 0, 1, 2.
# Every run is then re-scored under three more threshold strategies without retraining.
# Usage (from the repository root, after `make setup`): bash experiments/sp500_ablation/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out="outputs/sp500_ablation/$(date +%Y-%m-%d_%H-%M-%S)"
bin=.venv/bin
$bin/tsadlab-train -m name=sp500_ablation \
  model.target=next,reconstruction data.transform=none,log_return data.window=30,60 \
  model.dropout=0,0.2 seed=0,1,2 trainer.verbose=0 "hydra.sweep.dir=$out"
runs=$(ls -d "$out"/[0-9]* | paste -sd, -)
$bin/tsadlab-evaluate -m "run_dir=$runs" threshold=fixed,mad,pot
$bin/python experiments/sp500_ablation/summarise.py "$out"
$bin/tsadlab-report "$out" --out "$out/report"
