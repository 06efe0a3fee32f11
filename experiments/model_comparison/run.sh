#!/usr/bin/env bash
# Every model and baseline over the five NAB categories and the synthetic suite, 3 seeds,
# under one protocol fixed in advance (src/tsadlab/conf/experiment/model_comparison.yaml): fit the model
# and its threshold (mean + 4 std of training scores) on the first half of each series,
# score the second half. Then one report (tsadlab-report) over all of it, and the headline
# tables (summarise.py).
# Usage, from the repository root after `make setup`:
#   bash experiments/model_comparison/run.sh [NAB_ROOT]     (default: ../shared/data/nab)
#   JOBS=2 (default: the number of CPUs) runs at a time; SEEDS="0 1 2"; MODELS="..." and
#   DATASETS="..." run a subset (the names below).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(cd "${1:-../shared/data/nab}" && pwd)"
out="outputs/model_comparison/$(date +%Y-%m-%d_%H-%M-%S)"
models="${MODELS:-lstm_vae lstm_ae gru_ae conv_ae dense_ae isolation_forest rolling_zscore random_score}"
datasets="${DATASETS:-realTweets realAWSCloudwatch realTraffic artificialWithAnomaly realAdExchange synthetic_suite}"
jobs="${JOBS:-$(nproc)}"
mkdir -p "$out"
one_run() {  # model dataset seed
  local args=(experiment=model_comparison "model=$1" "seed=$3" "hydra.run.dir=$out/$2/$1/seed$3")
  if [ "$2" = synthetic_suite ]; then
    args+=(data=synthetic_suite)
  else
    # NAB as in Orion's benchmark: 10-minute means (1 hour for realAdExchange); the category
    # is the dataset's name in the report
    args+=(data=nab "data.root=$root" "data.category=$2" "data.name=$2" data.missing=interpolate
           "data.resample=$([ "$2" = realAdExchange ] && echo 3600s || echo 600s)")
  fi
  if .venv/bin/tsadlab-train "${args[@]}" > "$out/$2-$1-seed$3.log" 2>&1; then
    echo "done $1 $2 seed $3"
  else
    echo "!! $1 $2 seed $3 failed: see $out/$2-$1-seed$3.log"
  fi
}
export -f one_run
export root out
start=$(date +%s)
# the slow recurrent models first, so that the parallel runs finish close together
for model in $models; do
  for dataset in $datasets; do
    for seed in ${SEEDS:-0 1 2}; do echo "$model $dataset $seed"; done
  done
done | xargs -P "$jobs" -L 1 bash -c 'one_run "$0" "$1" "$2"'
echo "wall seconds: $(( $(date +%s) - start )) ($jobs runs at a time)"
.venv/bin/tsadlab-report "$out" --out "$out/report" --dataset-key config.data.name \
  --group-by config.data.name --group-by config.model.name
.venv/bin/python experiments/model_comparison/summarise.py "$out"
