#!/usr/bin/env bash
# The NAB benchmark: Orion's LSTM autoencoder settings over five NAB categories, under two
# protocols, then one table per category next to Orion's published figures.
#   orion:  fit and detect on the whole series, Orion's windowed mean + 4 std threshold
#           (the protocol of Orion's leaderboard)
#   honest: fit model and threshold (mean + 4 std of training scores) on the first half of
#           each series; score only the second half
# Usage, from the repository root after `make setup`:
#   bash experiments/nab_benchmark/run.sh [NAB_ROOT]     (default: ../shared/data/nab)
#   JOBS=1 (default) category runs at a time: each run already spreads its series over the
#   cores (workers=auto); JOBS=N gives each of N runs its share of them.
#   PROTOCOLS="orion honest" (default).
#   EXPERIMENT=nab_orion_lstm_ae (default), nab_orion_aer (with Orion's per-category AER
#   scores; orion protocol only: its score is scaled over the part it scores) or
#   nab_orion_lstm_dt. CATEGORIES="..." runs a subset. OVERRIDES="seed=1 ..." adds Hydra
#   overrides to every run (after the script's own, so they win).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(cd "${1:-../shared/data/nab}" && pwd)"
out="outputs/nab_benchmark/$(date +%Y-%m-%d_%H-%M-%S)"
categories="${CATEGORIES:-realTweets realAWSCloudwatch realTraffic artificialWithAnomaly realAdExchange}"
experiment="${EXPERIMENT:-nab_orion_lstm_ae}"
jobs="${JOBS:-1}"
# each run's series workers share the cores with the other runs
export TSADLAB_CORES="${TSADLAB_CORES:-$(( $(nproc) / jobs > 0 ? $(nproc) / jobs : 1 ))}"
mkdir -p "$out"
one_run() {  # protocol category
  local args=("experiment=$experiment" "data.root=$root" "data.category=$2"
              "hydra.run.dir=$out/$1/$2")
  # Orion's benchmark aggregates realAdExchange to 1 hour, the rest to 10 minutes.
  [ "$2" = realAdExchange ] && args+=(data.resample=3600s)
  # and scores AER per category (its aer_<dataset>.json): regression alone, or summed
  if [ "$experiment" = nab_orion_aer ]; then
    case "$2" in
      realTraffic|artificialWithAnomaly) args+=(scoring.error=aer_reg) ;;
      realAWSCloudwatch|realAdExchange) args+=(scoring.error=aer_sum) ;;
    esac
  fi
  # the split protocol interpolates empty intervals: the whole series' mean would carry test
  # values into training rows
  [ "$1" = honest ] && args+=(data.train_fraction=0.5 data.resample_fill=interpolate threshold=mean_std threshold.k=4)
  # shellcheck disable=SC2206  # word splitting is the point: one override per word
  [ -n "${OVERRIDES:-}" ] && args+=($OVERRIDES)
  echo "== start $1 $2"
  if .venv/bin/tsadlab-train "${args[@]}" > "$out/$1-$2.log" 2>&1; then
    echo "== done $1 $2"
  else
    echo "!! $1 $2 failed: see $out/$1-$2.log"
  fi
}
export -f one_run
export root out experiment OVERRIDES
start=$(date +%s)
# the longest categories first, so that the parallel runs finish close together
for protocol in ${PROTOCOLS:-orion honest}; do
  for category in $categories; do echo "$protocol $category"; done
done | xargs -P "$jobs" -L 1 bash -c 'one_run "$0" "$1"'
echo "wall seconds: $(( $(date +%s) - start )) ($jobs runs at a time)"
.venv/bin/python experiments/nab_benchmark/summarise.py "$out"
