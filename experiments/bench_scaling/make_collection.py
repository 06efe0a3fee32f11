"""Write a generated collection in TSB-AD's layout, for measuring how tsadlab-bench's time
grows with the number of series (no real archive of 500 series ships with the project).

Each file is one synthetic series (`tsadlab.data.sources.synthetic`: a noisy seasonal
signal with injected anomalies of one kind, anomaly-free training part), named as TSB-AD
names its files: `<index>_SYN_id_<i>_Synthetic_tr_<train end>_1st_<first anomaly>.csv`,
columns `Data,Label`. Lengths, periods and anomaly kinds vary with the index.

    python experiments/bench_scaling/make_collection.py --n 500 --out /tmp/syn500
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from tsadlab.data.sources.synthetic import ANOMALY_KINDS, synthetic_series


def write_collection(n: int, out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    names = []
    rng = np.random.default_rng(0)
    for i in range(1, n + 1):
        length = int(rng.integers(1000, 4000))
        kind = ANOMALY_KINDS[i % len(ANOMALY_KINDS)]
        series = synthetic_series(
            length=length,
            period=int(rng.integers(20, 200)),
            anomalies=[kind],
            n_anomalies=int(rng.integers(1, 5)),
            anomaly_length=int(rng.integers(5, 60)),
            clean_fraction=0.4,
            seed=i,
        )
        labels = series.labels.astype(int)
        train_end = int(length * 0.3)
        first = int(np.argmax(labels))
        name = f"{i:03d}_SYN_id_{i}_Synthetic_tr_{train_end}_1st_{first}.csv"
        frame = pd.DataFrame({"Data": series.values[:, 0], "Label": labels})
        frame.to_csv(out / name, index=False)
        names.append(name)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="number of series")
    parser.add_argument("--out", type=Path, required=True, help="the collection's folder")
    args = parser.parse_args()
    names = write_collection(args.n, args.out)
    print(f"{len(names)} series in TSB-AD's layout in {args.out}")


if __name__ == "__main__":
    main()
