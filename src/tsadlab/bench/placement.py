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
from pathlib import Path

import pandas as pd

from tsadlab import artifacts
from tsadlab.bench.config import ranked_columns
from tsadlab.data.sources.tsb_ad import published_tables
from tsadlab.errors import DataError
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
    return table.set_index("file")[methods]


def place(long: pd.DataFrame, metric: str, methods: list[str], path: Path, out: Path) -> None:
    """Rank the benchmark's methods among the published ones on the files both have."""
    published = read_published(path)
    ours = long[long["metric"] == metric].pivot_table(
        index="file", columns="method", values="value", aggfunc="mean"
    )
    ours = ours.reindex(columns=[m for m in methods if m in ours.columns])
    ours.columns = [OURS.format(m) for m in ours.columns]
    scores = ours.join(published, how="inner").dropna(axis=0, how="any")
    if len(scores) < 2 or ours.empty:
        raise DataError(
            f"{len(scores)} series have a {metric} from every method here and in {path} "
            "(a placement needs at least 2 shared files; are the file names the archive's?)"
        )
    higher = ranked_columns()[metric] == "max"
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
    artifacts.write_text(out / "leaderboard.md", leaderboard_markdown(board, metric, scores, path))
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


def leaderboard_markdown(board: pd.DataFrame, metric: str, scores: pd.DataFrame, path: Path) -> str:
    """The leaderboard as Markdown, the benchmark's own methods in bold."""
    lines = [
        f"{metric} over the {len(scores)} series shared with {path.name} "
        f"({len(board)} methods; tsadlab's in bold)",
        "",
        f"| place | method | mean {metric} | average rank |",
        "|---|---|---|---|",
    ]
    for _, row in board.iterrows():
        name = f"**{row['method']}**" if row["source"] == "tsadlab" else row["method"]
        lines.append(
            f"| {row['place']} | {name} | {row[f'mean_{metric}']:.3f} | {row['average_rank']:.2f} |"
        )
    return "\n".join(lines) + "\n"
