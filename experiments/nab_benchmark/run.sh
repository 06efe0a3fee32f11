#!/usr/bin/env bash
# The NAB benchmark: Orion's LSTM autoencoder settings over five NAB categories, under two
# protocols, then one table per category next to Orion's published figures.
#   orion:  fit and detect on the whole series, Orion's windowed mean + 4 std threshold
#           (the protocol of Orion's leaderboard)
#   honest: fit model and threshold (mean + 4 std of training scores) on the first half of
#           each series; score only the second half
# Usage, from the repository root after `make setup`:
#   bash experiments/nab_benchmark/run.sh [NAB_ROOT]     (default: ../shared/data/nab)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(cd "${1:-../shared/data/nab}" && pwd)"
out="outputs/nab_benchmark/$(date +%Y-%m-%d_%H-%M-%S)"
categories="artificialWithAnomaly realAdExchange realAWSCloudwatch realTraffic realTweets"
start=$(date +%s)
for protocol in orion honest; do
  for category in $categories; do
    args=(experiment=nab_orion_lstm_ae "data.root=$root" "data.category=$category"
          "hydra.run.dir=$out/$protocol/$category")
    # Orion's benchmark aggregates realAdExchange to 1 hour, the rest to 10 minutes.
    [ "$category" = realAdExchange ] && args+=(data.resample=3600s)
    [ "$protocol" = honest ] && args+=(data.train_fraction=0.5 threshold=mean_std threshold.k=4)
    echo "== $protocol $category"
    .venv/bin/tsadlab-train "${args[@]}" || echo "!! $protocol $category failed"
  done
done
echo "wall seconds: $(( $(date +%s) - start ))"
.venv/bin/python experiments/nab_benchmark/summarise.py "$out"
