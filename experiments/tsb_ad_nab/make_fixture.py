"""Rebuild TSB-AD-U's NAB-derived files from a local NAB corpus.

For every `_NAB_` file of TSB-AD-U.csv, look for the NAB series it was cut
from, using only numbers that can be checked: series length, first labelled
row (`1st_<n>` in the name), number of labelled rows and of labelled runs (from
TSB-AD's published table where the file is an evaluation file).  Only a single,
unambiguous candidate is written; everything else is reported and skipped.

Conversion rule (inferred from TSB-AD's own example file, see README.md):
  * the first NAB row is dropped: TSB row r holds NAB row r + 1;
  * Label[r] = 1 iff start < timestamp(NAB row r + 1) <= end for a
    window [start, end] of labels/combined_windows.json;
  * values are NAB's own values, written as floats; no normalisation;
  * a few TSB-AD series are a prefix of the converted NAB series (ts_len in
    the published table shorter than the series).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_NAB = REPO / ".." / "shared" / "data" / "nab"
DEFAULT_TSB = REPO / ".." / "shared" / "data" / "tsb_ad"
NAME_RE = re.compile(r"^(\d+)_NAB_id_(\d+)_(\w+?)_tr_(\d+)_1st_(\d+)\.csv$")


def runs(label: np.ndarray) -> np.ndarray:
    edges = np.flatnonzero(np.diff(np.r_[0, label, 0]))
    return edges.reshape(-1, 2)


def convert(nab_root: Path, key: str, windows: list) -> pd.DataFrame:
    """One NAB series in TSB-AD's layout (whole length, before any cut)."""
    df = pd.read_csv(nab_root / "data" / key)
    ts = pd.to_datetime(df["timestamp"]).to_numpy()[1:]
    values = df["value"].to_numpy(dtype=float)[1:]
    label = np.zeros(len(ts), dtype=np.int64)
    for start, end in windows:
        s = np.datetime64(pd.Timestamp(start))
        e = np.datetime64(pd.Timestamp(end))
        label[(ts > s) & (ts <= e)] = 1
    return pd.DataFrame({"Data": values, "Label": label})


def stats(label: np.ndarray) -> dict:
    r = runs(label)
    return {
        "len": len(label),
        "first": int(r[0, 0]) if len(r) else -1,
        "alen": int(label.sum()),
        "nrun": len(r),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nab", type=Path, default=DEFAULT_NAB)
    ap.add_argument(
        "--tsb", type=Path, default=DEFAULT_TSB, help="folder with File_List/ and published/"
    )
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)

    names = pd.read_csv(args.tsb / "File_List" / "TSB-AD-U.csv").iloc[:, 0]
    names = [n for n in names if "_NAB_" in n]
    eva = set(pd.read_csv(args.tsb / "File_List" / "TSB-AD-U-Eva.csv").iloc[:, 0])
    pub = pd.read_csv(args.tsb / "published" / "uni_mergedTable_VUS-PR.csv")
    pub = pub.set_index(pub.columns[0])

    windows = json.loads((args.nab / "labels" / "combined_windows.json").read_text())
    present = {k: w for k, w in windows.items() if (args.nab / "data" / k).exists()}
    absent = sorted(set(windows) - set(present))
    series = {k: convert(args.nab, k, w) for k, w in sorted(present.items()) if w}
    full = {k: stats(df["Label"].to_numpy()) for k, df in series.items()}

    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in names:
        m = NAME_RE.match(name)
        tr, first = int(m.group(4)), int(m.group(5))
        p = pub.loc[name] if name in pub.index else None
        cands = []
        for k, df in series.items():
            n = int(p["ts_len"]) if p is not None else full[k]["len"]
            if n > len(df):
                continue
            st = stats(df["Label"].to_numpy()[:n])
            checks = {"1st": st["first"] == first, "tr": tr in (n // 4, 500)}
            if p is not None:
                checks["ts_len"] = True  # n is taken from the table
                checks["anomaly_len"] = st["alen"] == int(p["anomaly_len"])
                checks["num_anomaly"] = st["nrun"] == int(p["num_anomaly"])
            if all(checks.values()):
                cands.append((k, n, checks))
        status, source, passed = "", "", ""
        if len(cands) == 1:
            k, n, checks = cands[0]
            out = series[k].iloc[:n]
            out.to_csv(args.out / name, index=False, lineterminator="\n")
            status = "written" + ("" if n == len(series[k]) else f" (first {n} rows)")
            source, passed = k, "+".join(checks)
        elif cands:
            status = "ambiguous, skipped"
            source = " | ".join(c[0] for c in cands)
        else:
            near = [k for k in series if full[k]["first"] == first]
            status = (
                "labels disagree with published table, skipped"
                if near and p is not None
                else "first anomaly fits but cut length unknown (not in the table), skipped"
                if near
                else "no present NAB series fits (realKnownCause is absent,"
                " or unknown cut length), skipped"
            )
            source = " | ".join(near) if near else "-"
        rows.append((name, source, passed, "Eva" if name in eva else "-", status))

    w = [max(len(r[i]) for r in rows) for i in range(4)]
    print(
        f"{'TSB-AD file':{w[0]}}  {'NAB series':{w[1]}}  {'checks':{w[2]}}  {'list':{w[3]}}  status"
    )
    for r in rows:
        print(f"{r[0]:{w[0]}}  {r[1]:{w[1]}}  {r[2]:{w[2]}}  {r[3]:{w[3]}}  {r[4]}")
    done = [r for r in rows if r[4].startswith("written")]
    print(
        f"\nwritten {len(done)} of {len(rows)} NAB files into {args.out}; "
        f"{sum(r[3] == 'Eva' for r in done)} of them are in TSB-AD-U-Eva "
        f"(and in the published table)"
    )
    print("NAB series without data here:", ", ".join(absent) or "none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
