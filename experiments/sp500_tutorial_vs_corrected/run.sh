#!/usr/bin/env bash
# The tutorial vs the corrected default, on the tutorial's period and on the full series.
# Usage (from the repository root, after `make setup`): bash experiments/sp500_tutorial_vs_corrected/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out="outputs/sp500_tutorial_vs_corrected/$(date +%Y-%m-%d_%H-%M-%S)"
bin=.venv/bin
$bin/tsadlab-train experiment=sp500_tutorial seed=0 "hydra.run.dir=$out/tutorial"
$bin/tsadlab-train seed=0 "hydra.run.dir=$out/corrected"
$bin/tsadlab-train data=sp500_full seed=0 "hydra.run.dir=$out/corrected_full"
$bin/python experiments/sp500_tutorial_vs_corrected/summarise.py "$out"/*
