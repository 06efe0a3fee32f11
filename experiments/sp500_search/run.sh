#!/usr/bin/env bash
# The 20-trial random search over the S&P 500 LSTM autoencoder (src/tsadlab/conf/search/sp500_lstm_ae.yaml),
# timed twice on this machine: one process, then KerasTuner's distributed mode with a chief and
# two workers on 127.0.0.1. Same seed, so both searches draw the same 20 configurations.
#   bash experiments/sp500_search/run.sh            # about 25 minutes on 2 CPU cores
# Results: outputs/sp500_search/<time>/{one,two}/ and a summary printed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
[ -x $BIN/tsadlab-tune ] || make setup
export TF_CPP_MIN_LOG_LEVEL=2
OUT=outputs/sp500_search/$(date +%Y-%m-%d_%H-%M-%S)
mkdir -p "$OUT"
SEARCH=(search=sp500_lstm_ae search.max_trials=${TRIALS:-20})

echo "== one process -> $OUT/one"
SECONDS=0
$BIN/tsadlab-tune "${SEARCH[@]}" search.directory="$OUT/one" 2>&1 | tee "$OUT/one.log" | grep -E "^(trial|search|best)"
echo "wall_seconds_one=$SECONDS" | tee "$OUT/wall.txt"

echo "== chief + 2 workers -> $OUT/two"
export KERASTUNER_ORACLE_IP=127.0.0.1 KERASTUNER_ORACLE_PORT=${PORT:-8470}
SECONDS=0
KERASTUNER_TUNER_ID=chief $BIN/tsadlab-tune "${SEARCH[@]}" search.directory="$OUT/two" > "$OUT/chief.log" 2>&1 &
chief=$!
for worker in worker1 worker2; do
  KERASTUNER_TUNER_ID=$worker $BIN/tsadlab-tune "${SEARCH[@]}" search.directory="$OUT/two" > "$OUT/$worker.log" 2>&1 &
done
wait
echo "wall_seconds_two=$SECONDS" | tee -a "$OUT/wall.txt"
grep -hE "^trial" "$OUT/worker1.log" "$OUT/worker2.log" | sort -n -k2 || true
# the chief exports conf/experiment/sp500_lstm_ae_best.yaml last; both searches find the same best
$BIN/python experiments/sp500_search/summarise.py "$OUT"
