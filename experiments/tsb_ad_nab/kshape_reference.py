"""TSB-AD's own KShapeAD against tsadlab's `kshape` on real files: each of the named rebuilt
TSB-AD-U files (`make_fixture.py`) fitted and scored whole at its dominant period, as
`run_KShapeAD` runs it, seeds 0-2 (TSB-AD's through numpy's global generator). VUS-PR (with
TSB-AD's buffer, the period) of TSB-AD's per-row scores, and of tsadlab's window scores put
on the rows two ways: averaged over the windows covering a row (`scoring.alignment=mean`,
TSB-AD's running mean) and given to each window's last row (`end`, tsadlab's default).

    python experiments/tsb_ad_nab/kshape_reference.py /work/runs/tsb_ad_nab_fixture 008 017

TSB-AD is installed without its dependencies (`make setup`): the modules its package imports
for other models (torch, arch, tqdm) are empty stand-ins while it loads.
"""

import argparse
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import tslearn.clustering  # noqa: F401  (loaded before the stand-ins: it looks for torch)

from tsadlab.data.windows import sliding_windows
from tsadlab.metrics.vus import dominant_period, vus
from tsadlab.models.kshape import KShapeDetector
from tsadlab.private_apis import cache_tslearn_kernels
from tsadlab.scoring.align import point_scores


def tsb_ad_sand() -> type:
    """TSB-AD's SAND class, loaded beside stand-ins for the modules it does not use here."""
    saved = {name: sys.modules.get(name) for name in ("torch", "torch.nn", "arch", "tqdm")}
    stand_ins = {name: types.ModuleType(name) for name in saved}
    stand_ins["torch"].nn = stand_ins["torch.nn"]
    stand_ins["arch"].arch_model = None
    stand_ins["tqdm"].tqdm = None
    sys.modules.update(stand_ins)
    try:
        from TSB_AD.models.SAND import SAND
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    np.Inf = np.inf  # SAND's numpy-1 spelling of inf
    return SAND


def rows_of_windows(scores: np.ndarray, n: int, window: int, alignment: str) -> np.ndarray:
    """Window scores on the rows; rows no window reaches get the lowest score."""
    rows = point_scores(scores, n, window, 1, alignment)
    rows[np.isnan(rows)] = np.nanmin(rows)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fixture", type=Path, help="the rebuilt files (make_fixture.py --out)")
    parser.add_argument("files", nargs="+", help="file name prefixes, such as 008")
    args = parser.parse_args()
    cache_tslearn_kernels()
    sand = tsb_ad_sand()
    print("| file | period | TSB-AD's KShapeAD | tsadlab, mean | tsadlab, end |")
    print("|---|---|---|---|---|")
    for prefix in args.files:
        path = next(args.fixture.glob(f"{prefix}*.csv"))
        frame = pd.read_csv(path)
        values, labels = frame["Data"].to_numpy(float), frame["Label"].to_numpy(int)
        period = dominant_period(values)
        windows = sliding_windows(values.reshape(-1, 1), period, 1)
        found = []
        for seed in range(3):
            np.random.seed(seed)
            reference = sand(pattern_length=period, subsequence_length=4 * period)
            reference.fit(values, overlaping_rate=int(1.5 * period))
            ours = KShapeDetector(6, seed).fit(windows).score_windows(windows)
            found.append(
                [
                    vus(labels, np.asarray(reference.decision_scores_), period)[1],
                    vus(labels, rows_of_windows(ours, len(values), period, "mean"), period)[1],
                    vus(labels, rows_of_windows(ours, len(values), period, "end"), period)[1],
                ]
            )
        mean, low, high = np.mean(found, 0), np.min(found, 0), np.max(found, 0)
        cells = [f"{m:.3f} ({lo:.3f}-{hi:.3f})" for m, lo, hi in zip(mean, low, high, strict=True)]
        print(f"| {path.stem} | {period} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
