"""A benchmark's methods placed among published ones: TSB-AD's per-series tables
(`uni_mergedTable_VUS-PR.csv`: `file, <method>, ..., ts_len, ...`) joined with the
benchmark's own on exactly the files both have, then ranked and tested with the report's
machinery (`reporting.stats.compare`: average ranks, Friedman, Wilcoxon-Holm; its
critical-difference diagram), never a second copy of it.

Written into `placement/`: `leaderboard.csv` and `leaderboard.md` (mean and average rank
per method over the shared files), `ranks.csv`, `pairs.csv`, `comparison.md` and
`cd_diagram.png`.
"""

import logging
from pathlib import Path, PurePosixPath

import pandas as pd

from tsadlab import artifacts
from tsadlab.bench.config import BenchConfig
from tsadlab.data.sources.tsb_ad import published_tables
from tsadlab.errors import DataError
from tsadlab.metrics import directed_columns
from tsadlab.reporting import figures, tables
from tsadlab.reporting.stats import compare

log = logging.getLogger(__name__)

# Columns of TSB-AD's tables that describe a series, not a method's score.
SERIES_COLUMNS = frozenset(
    {
        "ts_len",
        "anomaly_len",
        "num_anomaly",
        "avg_anomaly_len",
        "anomaly_ratio",
        "point_anomaly",
        "seq_anomaly",
    }
)
OURS = "{} (tsadlab)"


def published_path(spec: str) -> Path:
    """A published table by collection name (TSB-AD-U, TSB-AD-M: shipped with tsadlab), or
    the path of a table in TSB-AD's layout."""
    return published_tables().get(spec) or Path(spec).expanduser().absolute()


def read_published(path: Path) -> pd.DataFrame:
    """file x published method of a TSB-AD-layout table."""
    try:
        table = pd.read_csv(path)
    except FileNotFoundError:
        raise DataError(
            f"Received: bench.published={path} (no such file; TSB-AD-U or TSB-AD-M for "
            "TSB-AD's published tables, or a file in their layout: file,<method>,...)"
        ) from None
    if "file" not in table:
        raise DataError(
            f"{path} has no 'file' column (expected TSB-AD's layout: file,<method>,...)"
        )
    methods = [
        c
        for c in table.columns
        if c != "file" and c not in SERIES_COLUMNS and pd.api.types.is_numeric_dtype(table[c])
    ]
    if not methods:
        raise DataError(f"{path} has no numeric method column beside 'file'")
    skipped = [c for c in table.columns if c not in methods and c not in SERIES_COLUMNS]
    if len(skipped) > 1:  # beside `file`: a column with text in it is no method's score
        log.warning("%s: columns %s hold text, not scores, and are left out", path, skipped[1:])
    return table.set_index("file")[methods]


# overrides that make a method's numbers other than TSB-AD's (other rows fitted or scored)
NOT_COMPARABLE = ("protocol=", "data.rows=", "data.source_split=", "data.train_fraction=")


def comparable_methods(long: pd.DataFrame, bench: BenchConfig) -> list[str]:
    """The benchmark's methods whose numbers are computed as the published ones are: under
    TSB-AD's protocol, over every row of each whole file. One line for a benchmark whose
    protocol is another; a method that changes the rows is left out, and said so."""
    protocols = set(long["protocol"].dropna()) | set(long["rows"].dropna())
    if protocols and protocols != {"tsb_ad", "all"}:
        raise DataError(
            f"bench.published={bench.published}: the published numbers score whole series under "
            f"TSB-AD's protocol, these were scored under {', '.join(sorted(protocols))} (set "
            "protocol=tsb_ad, or bench.published=null)"
        )
    kept = []
    for method, overrides in bench.methods.items():
        changed = [o for o in overrides if o.lstrip("+~").startswith(NOT_COMPARABLE)]
        if changed:
            log.warning("%s is not placed: %s changes the rows TSB-AD scores", method, changed[0])
        else:
            kept.append(method)
    return kept


def place(long: pd.DataFrame, bench: BenchConfig, path: Path, out: Path) -> None:
    """Rank the benchmark's methods among the published ones on the files all of them have
    (files are matched by name, wherever under root they were read). A method of the
    benchmark without a value on every such file is left out, and said so, rather than
    shrinking every method's comparison to the files it managed."""
    metric = bench.metric
    published = read_published(path)
    chosen = long[(long["metric"] == metric) & long["value"].notna()].copy()
    chosen["file"] = [PurePosixPath(f).name for f in chosen["file"]]
    ours = chosen.pivot_table(index="file", columns="method", values="value", aggfunc="mean")
    ours = ours[ours.index.isin(published.index)]
    methods = [m for m in comparable_methods(long, bench) if m in ours.columns]
    coverage = ours[methods].notna().sum()
    complete = [m for m in methods if coverage[m] == len(ours)]
    for method in methods:
        if method not in complete:
            log.warning(
                "%s is not placed: it has a %s on %d of the %d published files the benchmark "
                "scored (its jobs.csv rows say why)",
                method,
                metric,
                coverage[method],
                len(ours),
            )
    if len(ours) < 2 or not complete:
        raise DataError(
            f"{len(ours)} files here are in {path} and {len(complete)} methods have a {metric} "
            "on all of them (a placement needs 2 files and 1 method; are the file names the "
            "archive's?)"
        )
    ours = ours[complete]
    ours.columns = [OURS.format(m) for m in ours.columns]
    scores = ours.join(published, how="inner")
    higher = directed_columns()[metric].direction == "max"
    comparison = compare(scores, higher_is_better=higher)
    means = scores.mean().sort_values(ascending=not higher)
    board = pd.DataFrame(
        {
            "method": means.index,
            "source": ["tsadlab" if m in ours.columns else "published" for m in means.index],
            f"mean_{metric}": means.to_numpy(),
            "average_rank": comparison.average_ranks.reindex(means.index).to_numpy(),
        }
    )
    board.insert(0, "place", range(1, len(board) + 1))
    out.mkdir(parents=True, exist_ok=True)
    artifacts.write_csv(out / "leaderboard.csv", board)
    notes = [m for m in bench.methods if OURS.format(m) not in ours.columns]
    artifacts.write_text(
        out / "leaderboard.md", leaderboard_markdown(board, metric, scores, path, notes)
    )
    artifacts.write_csv(out / "ranks.csv", comparison.ranks.reset_index())
    artifacts.write_csv(out / "pairs.csv", comparison.pairs)
    artifacts.write_text(out / "comparison.md", tables.comparison_markdown(comparison, metric))
    figures.cd_diagram(comparison, metric, out / "cd_diagram.png")
    for _, row in board[board["source"] == "tsadlab"].iterrows():
        log.info(
            "%s: place %d of %d by mean %s (%.3f) over %d shared series",
            row["method"],
            row["place"],
            len(board),
            metric,
            row[f"mean_{metric}"],
            len(scores),
        )


def leaderboard_markdown(
    board: pd.DataFrame, metric: str, scores: pd.DataFrame, path: Path, left_out: list[str]
) -> str:
    """The leaderboard as Markdown, the benchmark's own methods in bold."""
    lines = [
        f"{metric} over the {len(scores)} series shared with {path.name}, under TSB-AD's "
        f"protocol (fit on each file's training part, score the whole series); "
        f"{len(board)} methods, tsadlab's in bold",
        "",
        f"| place | method | mean {metric} | average rank |",
        "|---|---|---|---|",
    ]
    for _, row in board.iterrows():
        name = f"**{row['method']}**" if row["source"] == "tsadlab" else row["method"]
        lines.append(
            f"| {row['place']} | {name} | {row[f'mean_{metric}']:.3f} | {row['average_rank']:.2f} |"
        )
    if left_out:
        lines += ["", f"Not placed (see the log and jobs.csv): {', '.join(left_out)}"]
    return "\n".join(lines) + "\n"
