#!/usr/bin/env bash
# One NAB category run one series after another (workers=1) and in parallel (workers=auto),
# alternating for a number of rounds, then check.py: every run's per-series scores must be
# identical, and the wall times and their ratio are printed.
# Usage (from anywhere, after `make setup`):
#   bash experiments/parallel_series/run.sh <NAB root> [category] [rounds] [output folder] [override ...]
# e.g.
#   bash experiments/parallel_series/run.sh /work/shared/data/nab artificialWithAnomaly 2
#   bash experiments/parallel_series/run.sh ~/NAB realTweets 3 outputs/parallel_tweets trainer.epochs=5
# Rounds alternate which mode goes first, so that neither always meets a cold compilation
# cache or a busier machine. Extra overrides apply to every run.
set -euo pipefail
root="$(realpath "${1:?usage: run.sh <NAB root> [category] [rounds] [output folder] [override ...]}")"
category="${2:-artificialWithAnomaly}"
rounds="${3:-2}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$here/../.."
out="$(realpath -m "${4:-$repo/outputs/parallel_series/$category/$(date +%Y-%m-%d_%H-%M-%S)}")"
shift $(( $# < 4 ? $# : 4 ))
bin="$repo/.venv/bin"
mkdir -p "$out"
echo "round,mode,seconds" > "$out/times.csv"

time_run() {  # time_run <round> <mode> <workers> [override ...]
  local round="$1" mode="$2" workers="$3" dir="$out/round$1_$2" start seconds
  shift 3
  start=$EPOCHREALTIME
  "$bin/tsadlab-train" experiment=nab_orion_lstm_ae "data.root=$root" "data.category=$category" \
    "workers=$workers" "hydra.run.dir=$dir" "$@" > "$dir.log" 2>&1 || {
      echo "the $mode run of round $round failed; its log: $dir.log" >&2; exit 1; }
  seconds=$("$bin/python" -c "print(round($EPOCHREALTIME - $start, 1))")
  echo "$round,$mode,$seconds" >> "$out/times.csv"
  echo "round $round, $mode (workers=$workers): $seconds s"
}

for round in $(seq 1 "$rounds"); do
  if (( round % 2 )); then order=(sequential parallel); else order=(parallel sequential); fi
  for mode in "${order[@]}"; do
    if [[ $mode == sequential ]]; then workers=1; else workers=auto; fi
    time_run "$round" "$mode" "$workers" "$@"
  done
done
"$bin/python" "$here/check.py" "$out"
