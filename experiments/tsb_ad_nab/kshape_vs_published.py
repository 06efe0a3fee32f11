"""tsadlab's KShapeAD (`model=kshape`) beside TSB-AD's published KShapeAD, file by file, on the
TSB-AD-U files rebuilt from NAB: VUS-PR from a `tsadlab-bench` folder that ran kshape over
them (each file fitted and scored whole, as TSB-AD's KShapeAD runs), against
`uni_mergedTable_VUS-PR.csv`.

    python experiments/tsb_ad_nab/kshape_vs_published.py /work/runs/kshape_tsb_nab \
        ../shared/data/tsb_ad/published/uni_mergedTable_VUS-PR.csv
"""

import argparse
from pathlib import Path

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", type=Path, help="the kshape benchmark folder")
    parser.add_argument("published", type=Path, help="TSB-AD's uni_mergedTable_VUS-PR.csv")
    args = parser.parse_args()
    ours = pd.read_csv(args.bench / "results_wide.csv").set_index("file")["kshape"]
    published = pd.read_csv(args.published).set_index("file")
    shared = ours.index.intersection(published.index)
    table = pd.DataFrame(
        {
            "ours (mean of seeds)": ours[shared],
            "TSB-AD's KShapeAD": published.loc[shared, "KShapeAD"],
            "TSB-AD's Sub-PCA": published.loc[shared, "Sub-PCA"],
            "TSB-AD's POLY": published.loc[shared, "POLY"],
        }
    )
    table.loc["mean"] = table.mean()
    print(f"VUS-PR on the {len(shared)} files in both (of {len(ours)} tsadlab scored)\n")
    print("| file | " + " | ".join(table.columns) + " |")
    print("|---" * (len(table.columns) + 1) + "|")
    for file, row in table.iterrows():
        print(f"| {file} | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    gap = (table["ours (mean of seeds)"] - table["TSB-AD's KShapeAD"]).drop("mean")
    print(f"\nours - published: mean {gap.mean():+.3f}, |gap| median {gap.abs().median():.3f}")


if __name__ == "__main__":
    main()
