# tsadlab: `make demo` sets up and runs the default S&P 500 experiment; `make test` sets up
# and runs the fast tests. Both need only python3 (>= 3.11) on the machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup demo tutorial search bench bench-gpu screenshot test test-all lint format clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	# TSB-AD's reference metrics and detectors, which tests compare against (its own pins
	# would downgrade numpy and install torch: only its code is needed), and `hurst`, which
	# its detectors' module imports (pure Python on numpy and pandas)
	$(BIN)/python -m pip install --no-deps tsb-ad==1.5 hurst==0.0.5
	# Orion 0.7.1's preprocessing primitives (ml-stars), which its data steps are tested
	# against; their pins would pull in MLBlocks and TensorFlow 2.14: only the code is needed
	$(BIN)/python -m pip install --no-deps ml-stars==0.2.3
	# Orion 0.7.1 itself, whose AER and LSTM-DT scores are tested against, and pyts, whose
	# DTW its AER score calls (Orion pins it below 0.14)
	$(BIN)/python -m pip install --no-deps orion-ml==0.7.1 pyts==0.13.0
	touch $(STAMP)

setup: $(STAMP) ## create .venv and install tsadlab with its dev tools

demo: setup ## run the default experiment on the bundled S&P 500 data into outputs/
	$(BIN)/tsadlab-train

tutorial: setup ## reproduce the tutorial (experiment=sp500_tutorial)
	$(BIN)/tsadlab-train experiment=sp500_tutorial

search: setup ## the default KerasTuner search (search=sp500_lstm_ae, 20 trials) into outputs/tune/
	$(BIN)/tsadlab-tune

bench: setup ## the speed and memory benchmark (installs the `bench` extra: a CPU PyTorch)
	$(BIN)/python -m pip install -e '.[dev,bench]'
	$(BIN)/python experiments/benchmarks/run.py

bench-gpu: setup ## the training benchmark on this machine's GPU (a few minutes); ranks backends
	$(BIN)/python -m pip install -e '.[dev,bench,gpu]'
	$(BIN)/python experiments/benchmarks/run.py --rounds 2 --epochs 3 --skip windowing,e2e,scale \
		--backends $$($(BIN)/python -c "import importlib.util as u; print(','.join(b for b in ('jax','torch') if u.find_spec(b)))") \
		--table src/tsadlab/backend_speed.json

screenshot: setup ## the README's MLflow comparison view: a small sweep, shot by headless Chromium
	bash experiments/tracking_screenshot/run.sh

test: setup ## fast tests (everything not marked slow), on two workers
	$(BIN)/python -m pytest -m "not slow" -n 2

test-all: setup ## every test, slow ones included
	$(BIN)/python -m pytest

lint: setup ## ruff check and format check
	$(BIN)/ruff check src tests experiments
	$(BIN)/ruff format --check src tests experiments

format: setup ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests experiments
	$(BIN)/ruff format src tests experiments

clean: ## remove the virtual environment and caches (keeps outputs/)
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
