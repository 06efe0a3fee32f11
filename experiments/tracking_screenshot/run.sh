#!/usr/bin/env bash
# The README's MLflow screenshot: a small real sweep of the default S&P 500 run logged with
# logger=mlflow to the embedded store, MLflow's UI started on it, and its comparison view
# of the sweep's jobs captured by headless Chromium into compare_runs.png here.
# Usage (from the repository root, after `make setup`):
#   bash experiments/tracking_screenshot/run.sh [output folder]
# Given a folder that already holds the sweep, it only takes the screenshot again.
# Needs `chromium` (Debian: apt-get install chromium; this script installs it as root).
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-outputs/tracking_screenshot/$(date +%Y-%m-%d_%H-%M-%S)}"
bin=.venv/bin
here=experiments/tracking_screenshot
mkdir -p "$out"
store="sqlite:///$(cd "$out" && pwd)/mlflow.db"
port="${MLFLOW_PORT:-5055}"
# The UI opens its assistant panel over the page when it is browsed as localhost or
# 127.0.0.1; under another name it does not. Chromium resolves this name to 127.0.0.1,
# and the server is told to accept it.
host=mlflow.test

if ! command -v chromium > /dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: chromium is not installed; run: sudo apt-get install -y chromium" >&2
    exit 1
  fi
  echo "installing chromium (apt-get) for the screenshot"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi

if [ ! -f "$out/sweep/mlflow_run.json" ]; then
  # four jobs: dropout 0 and 0.2 by windows of 30 and 60 days; 4 epochs, for a picture
  $bin/tsadlab-train -m name=tracking_demo model.dropout=0,0.2 data.window=30,60 \
    trainer.epochs=4 trainer.verbose=0 logger=mlflow "logger.mlflow.tracking_uri=$store" \
    "hydra.sweep.dir=$out/sweep"
fi

# `mlflow ui` with the options a screenshot needs (its job runner is not needed to browse),
# in a process group of its own: the server runs uvicorn as a child
setsid env MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false $bin/mlflow server \
  --backend-store-uri "$store" --host 127.0.0.1 --port "$port" --workers 1 \
  --allowed-hosts "$host:$port" --cors-allowed-origins "http://$host:$port" \
  > "$out/mlflow_server.log" 2>&1 &
server=$!
trap 'kill -- -"$server" 2> /dev/null || true; wait "$server" 2> /dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf -H "Host: $host:$port" "http://127.0.0.1:$port/health" > /dev/null && break
  sleep 0.5
done

url=$($bin/python "$here/compare_url.py" "$store" "$out/sweep" "http://$host:$port")
echo "comparison view: $url"
# root needs --no-sandbox; the virtual time budget lets the React app fetch and draw
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --host-resolver-rules="MAP $host 127.0.0.1" --window-size=1600,1400 \
  --virtual-time-budget=30000 --screenshot="$here/compare_runs.png" "$url" 2> /dev/null
echo "wrote $here/compare_runs.png"
