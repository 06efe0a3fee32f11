"""tsadlab's VUS-PR / VUS-ROC against TSB-AD's reference code (tsb-ad 1.5, installed by
`make setup`): the largest difference on random cases, and seconds per series side by side
(interleaved, median of --rounds) for series of 10^3 to 10^5 rows.

.venv/bin/python experiments/vus_reference/measure.py [--rounds 3]
"""

import argparse
import time

import numpy as np
from TSB_AD.evaluation.basic_metrics import basic_metricor

from tsadlab.metrics.vus import vus


def case(rng: np.random.Generator, n: int, runs: int) -> tuple[np.ndarray, np.ndarray]:
    labels = np.zeros(n, dtype=int)
    for start in rng.integers(0, n - 50, size=runs):
        labels[start : start + rng.integers(1, 50)] = 1
    return labels, rng.random(n) + labels * rng.random()


def reference(labels: np.ndarray, scores: np.ndarray, buffer: int) -> tuple[float, float]:
    *_, roc, pr = basic_metricor().RangeAUC_volume_opt(
        labels_original=labels, score=scores, windowSize=buffer, thre=250
    )
    return roc, pr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(100):
        labels, scores = case(rng, int(rng.integers(100, 2000)), int(rng.integers(1, 6)))
        buffer = int(rng.integers(0, 60))
        ours, theirs = vus(labels.astype(bool), scores, buffer), reference(labels, scores, buffer)
        worst = max(worst, *np.abs(np.subtract(ours, theirs)))
    print(f"largest difference over 100 random cases: {worst:.2e}")
    print("| rows | anomalies | buffer | reference s | tsadlab s | ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, runs, buffer in ((1000, 2, 20), (10_000, 5, 50), (100_000, 2, 100), (100_000, 20, 100)):
        labels, scores = case(rng, n, runs)
        seconds = {"reference": [], "tsadlab": []}
        for _ in range(args.rounds):  # interleaved, so both see the same load
            start = time.perf_counter()
            reference(labels, scores, buffer)
            seconds["reference"].append(time.perf_counter() - start)
            start = time.perf_counter()
            vus(labels.astype(bool), scores, buffer)
            seconds["tsadlab"].append(time.perf_counter() - start)
        ref, ours = (float(np.median(seconds[k])) for k in ("reference", "tsadlab"))
        print(f"| {n} | {runs} runs | {buffer} | {ref:.3f} | {ours:.3f} | {ref / ours:.1f}x |")


if __name__ == "__main__":
    main()
