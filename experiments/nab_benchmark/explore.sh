#!/usr/bin/env bash
# Re-evaluate the orion-protocol runs of a finished benchmark under other thresholds and
# alignments, without retraining (seconds per category), then print every table.
# Picking the best row per category looks at the benchmark's labels: report it as an
# optimistic, leaderboard-style figure, never as a detection result.
# Usage: bash experiments/nab_benchmark/explore.sh outputs/nab_benchmark/<time>
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$1"
for run_dir in "$out"/orion/*/; do
  .venv/bin/tsadlab-evaluate -m "run_dir=$run_dir" \
    threshold=windowed_std,dynamic,pot,mad,mean_std
  .venv/bin/tsadlab-evaluate -m "run_dir=$run_dir" threshold=windowed_std \
    threshold.k=3,5 threshold.padding=0,50
done
.venv/bin/python experiments/nab_benchmark/summarise.py "$out"
