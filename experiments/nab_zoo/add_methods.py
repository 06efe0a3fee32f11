"""Methods run after the zoo's main passes (a second `tsadlab-bench benchmark=nab_zoo` folder
that ran only them), placed among the committed zoo by VUS-PR: the ranks, the Friedman test
and the critical-difference diagram over every method, on the series they all have.

    python experiments/nab_zoo/add_methods.py /work/runs/nab_zoo_deep experiments/nab_zoo
    python experiments/nab_zoo/add_methods.py /work/runs/nab_zoo_kshape experiments/nab_zoo \
        --with experiments/nab_zoo/results_long_aer_lstm_dt.csv

`--with` adds methods an earlier pass added (their committed long table, and the
`jobs_<methods>.csv` beside it), so every added method is ranked together. A pass may add
more seeds of a method an earlier pass added (each method and seed in one pass only); a
method's value is its mean over all its seeds, and that pass's tables are named
`results_long_<methods>_seeds_<seeds>.csv` (`--name` names them otherwise). `--replace`
lets a pass rerun methods of the committed zoo with other settings: its values replace
theirs, and the committed VUS-PR is shown beside.

Only VUS-PR can be merged: it is the metric the committed `results_wide.csv` holds (TSB-AD's
layout, each method's mean over its seeds). The added methods' PR-AUC, overlap F1 and time
are printed beside, over the same series, and their own long table and jobs are kept
(`results_long_<methods>.csv`, `jobs_<methods>.csv`), so that a later merge has every
metric.
"""

import argparse
from pathlib import Path

import pandas as pd

from tsadlab.reporting.figures import cd_diagram
from tsadlab.reporting.stats import compare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", type=Path, help="the added methods' benchmark folder")
    parser.add_argument("zoo", type=Path, help="the committed zoo (experiments/nab_zoo)")
    parser.add_argument(
        "--with",
        dest="earlier",
        type=Path,
        nargs="*",
        default=[],
        help="committed results_long_<methods>.csv of methods an earlier pass added",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="the pass reruns methods of the committed zoo (other settings): its results "
        "replace theirs, and the table shows the committed VUS-PR beside",
    )
    parser.add_argument(
        "--name", help="names this pass's tables results_long_<name>.csv (default: its methods)"
    )
    args = parser.parse_args()
    committed = pd.read_csv(args.zoo / "results_wide.csv").set_index("file")
    long = pd.read_csv(args.bench / "results_long.csv")
    jobs = pd.read_csv(args.bench / "jobs.csv")
    new_methods = sorted(long["method"].unique())
    earlier_long = [pd.read_csv(path) for path in args.earlier]
    earlier_jobs = [
        pd.read_csv(path.with_name(path.name.replace("results_long_", "jobs_", 1)))
        for path in args.earlier
    ]
    all_long = pd.concat([long, *earlier_long], ignore_index=True)
    all_jobs = pd.concat([jobs, *earlier_jobs], ignore_index=True)
    added = sorted(all_long["method"].unique())
    # a method may come in several passes (more seeds later), a (method, seed) only in one
    runs = [set(zip(t["method"], t["seed"], strict=True)) for t in (long, *earlier_long)]
    counts = pd.Series([run for pass_runs in runs for run in pass_runs]).value_counts()
    twice = sorted(f"{method} seed {seed}" for method, seed in counts[counts > 1].index)
    rerun = sorted(set(added) & set(committed.columns))
    clash = twice + ([] if args.replace else rerun)
    if clash:
        raise SystemExit(f"error: {clash} are in two passes, or in the committed zoo already")
    per_metric = all_long.pivot_table(index=["file", "metric"], columns="method", values="value")
    vus = per_metric.xs("vus_pr", level="metric")
    merged = committed.drop(columns=rerun).join(vus, how="inner").dropna(axis=0, how="any")
    comparison = compare(merged)
    cd_diagram(comparison, "VUS-PR", args.zoo / "cd_vus_pr_all.png")
    finished = all_jobs[all_jobs["status"] == "finished"].groupby("method")
    seeds, seconds = finished["seed"].nunique(), finished["seconds"].mean()
    rows = []
    for method in comparison.average_ranks.sort_values().index:
        row = {
            "method": method,
            "VUS-PR": merged[method].mean(),
            "rank": comparison.average_ranks[method],
        }
        if method in added:
            for metric, label in (("pr_auc", "PR-AUC"), ("event_f1", "overlap F1")):
                values = per_metric.xs(metric, level="metric")[method]
                row[label] = values.reindex(merged.index).mean()
            row["seeds"] = int(seeds.get(method, 0))
            row["s / series"] = seconds.get(method)
        if method in rerun:
            row["committed VUS-PR"] = committed[method].reindex(merged.index).mean()
        rows.append(row)
    table = pd.DataFrame(rows).set_index("method")
    table.to_csv(args.zoo / "zoo_all_vus_pr.csv", float_format="%.4f")
    suffix = args.name or "_".join(new_methods)
    if not args.name and set(new_methods) & {m for t in earlier_long for m in t["method"]}:
        # more seeds of methods an earlier pass added: their files are named by seed too
        suffix += "_seeds_" + "_".join(str(s) for s in sorted(long["seed"].unique()))
    long.to_csv(args.zoo / f"results_long_{suffix}.csv", index=False)
    jobs.to_csv(args.zoo / f"jobs_{suffix}.csv", index=False)
    lines = [
        f"VUS-PR over the {len(merged)} series every method has it on; rank: average rank "
        "over them (1 = best). PR-AUC, overlap F1, seeds and s / series for the added "
        f"methods ({', '.join(added)}).",
        "",
        "| method | VUS-PR | rank | PR-AUC | overlap F1 | seeds | s / series |"
        + (" committed VUS-PR |" if rerun else ""),
        "|---|---|---|---|---|---|---|" + ("---|" if rerun else ""),
    ]
    for method, r in table.iterrows():
        extra = (
            f"{r['PR-AUC']:.3f} | {r['overlap F1']:.3f} | {int(r['seeds'])} | {r['s / series']:.1f}"
            if method in added
            else " |  |  | "
        )
        if rerun:
            extra += f" | {r['committed VUS-PR']:.3f}" if method in rerun else " | "
        lines.append(f"| {method} | {r['VUS-PR']:.3f} | {r['rank']:.1f} | {extra} |")
    if rerun:
        lines += ["", f"Rerun here, replacing the committed zoo's values: {', '.join(rerun)}."]
    lines += [
        "",
        f"Friedman test: chi2 = {comparison.friedman_statistic:.1f}, p = "
        f"{comparison.friedman_p:.2g} ({len(merged)} series, {merged.shape[1]} methods); "
        f"groups no Holm-corrected Wilcoxon test separates: {len(comparison.cliques)}",
    ]
    text = "\n".join(lines) + "\n"
    (args.zoo / "zoo_all_vus_pr.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
