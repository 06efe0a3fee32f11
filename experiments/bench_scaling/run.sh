#!/usr/bin/env bash
# How tsadlab-bench's time grows with workers and with the number of series. Run from the
# repository root on an otherwise idle machine; results go to $OUT (default /tmp/bench_scaling).
#   bash experiments/bench_scaling/run.sh
set -euo pipefail
OUT=${OUT:-/tmp/bench_scaling}
NAB=${NAB:-../shared/data/nab}
BIN=.venv/bin
mkdir -p "$OUT"

timed() {  # name, then the command: prints the command's whole wall time
  local name=$1; shift
  local start=$(date +%s.%N)
  "$@" > "$OUT/$name.log" 2>&1
  local end=$(date +%s.%N)
  echo "$name: $(echo "$end - $start" | bc) s"
}

# NAB, seed 0 of the six methods (306 jobs), on 1 then 2 workers
for n in 1 2; do
  timed "nab_seed0_w$n" $BIN/tsadlab-bench benchmark=nab data.root="$NAB" 'bench.seeds=[0]' \
    hydra.sweep.dir="$OUT/nab_seed0_w$n" hydra/launcher=joblib hydra.launcher.n_jobs=$n
done

# 500 generated series in TSB-AD's layout, the three fast baselines, on 2 workers
$BIN/python experiments/bench_scaling/make_collection.py --n 500 --out "$OUT/syn500"
timed syn500_w2 $BIN/tsadlab-bench benchmark=tsb_ad_u data.root="$OUT/syn500" data.file_list=null \
  'bench.seeds=[0]' bench.published=null bench.name=syn500 \
  '~bench.methods.dense_ae' '~bench.methods.conv_ae' '~bench.methods.lstm_ae' \
  hydra.sweep.dir="$OUT/syn500_w2" hydra/launcher=joblib hydra.launcher.n_jobs=2

for name in nab_seed0_w1 nab_seed0_w2 syn500_w2; do
  echo "== $name"
  $BIN/python experiments/bench_scaling/growth.py "$OUT/$name"
done
