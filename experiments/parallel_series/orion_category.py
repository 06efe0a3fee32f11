"""Orion's own `lstm_autoencoder` pipeline over one NAB category, one series after another,
as Orion's benchmark runs it and as tsadlab's `experiment=nab_orion_lstm_ae` reproduces it:
the category's verified hyperparameters (`lstm_autoencoder_<category>.json`: its
aggregation interval), each series fitted whole and then detected whole by
`orion.analysis.analyze`, the call the benchmark makes. Prints the wall time per series
and in all, and writes the detected intervals, so that the timing is of a run that did the
whole job.

It runs in Orion's own environment (orion-ml 0.7.1 pins TensorFlow 2.14), not tsadlab's:

    python3 -m venv /tmp/orion_env && /tmp/orion_env/bin/pip install orion-ml==0.7.1
    /tmp/orion_env/bin/python experiments/parallel_series/orion_category.py \
        <NAB root> <category> <output csv>

The NAB file is read as its publisher ships it; its timestamps become the epoch seconds
Orion's signals carry (Orion's benchmark loads the same values from its own bucket, which
this machine cannot reach).
"""

import json
import sys
import time
from pathlib import Path

import orion
import pandas as pd
from orion.analysis import analyze

PIPELINE = "lstm_autoencoder"
# where orion.benchmark reads its per-dataset settings (importing that module downloads
# Orion's benchmark table, which this machine cannot reach)
PIPELINE_DIR = Path(orion.__file__).parent / "pipelines" / "verified"


def orion_signal(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    seconds = pd.to_datetime(frame["timestamp"]).astype("int64") // 10**9
    return pd.DataFrame({"timestamp": seconds, "value": frame["value"].astype(float)})


def main(root: str, category: str, out: str) -> None:
    files = sorted((Path(root) / "data" / category).glob("*.csv"))
    if not files:
        sys.exit(f"no NAB series in {Path(root) / 'data' / category}: give the NAB root")
    settings = PIPELINE_DIR / PIPELINE / f"{PIPELINE}_{category.lower()}.json"
    hyperparameters = json.loads(settings.read_text())
    found, start = [], time.perf_counter()
    for path in files:
        began = time.perf_counter()
        signal = orion_signal(path)
        anomalies = analyze(PIPELINE, signal, signal, hyperparams=hyperparameters)
        seconds = time.perf_counter() - began
        print(f"{path.stem}: {len(anomalies)} anomalies, {seconds:.1f} s", flush=True)
        found.append(anomalies.assign(series=path.stem))
    total = time.perf_counter() - start
    pd.concat(found).to_csv(out, index=False)
    print(f"{category}: {len(files)} series in {total:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: orion_category.py <NAB root> <category> <output csv>")
    main(*sys.argv[1:])
