"""The report's index.html: tables and figures on one page that needs no network."""

import html

import pandas as pd

from tsadlab.reporting import tables
from tsadlab.reporting.collect import state_summary
from tsadlab.reporting.result import Report

# The report's files, linked from the page when written.
FILES = (
    "runs.csv",
    "summary.csv",
    "summary.md",
    "summary.tex",
    "not_finished.csv",
    "comparison.md",
    "ranks.csv",
    "pairs.csv",
)
STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
img { max-width: 100%; display: block; margin: 1em 0; }
code { background: #f4f4f4; padding: 0 0.2em; }
"""


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, na_rep="", border=0)


def index_page(result: Report) -> str:
    """The page: run states, the summary table, failed runs, figures, the comparison."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>tsadlab report</title>",
        f"<style>{STYLE}</style></head><body><h1>tsadlab report</h1>",
        "<pre>" + html.escape("\n".join(state_summary(result.runs))) + "</pre>",
        "<p>Files: "
        + ", ".join(
            f"<a href='{name}'>{name}</a>" for name in FILES if (result.out / name).exists()
        )
        + "</p>",
    ]
    if not result.summary.empty:
        varied = ", ".join(k.removeprefix("config.") for k in result.keys) or "nothing"
        parts += [
            f"<h2>Summary</h2><p>Finished runs grouped by what varied ({html.escape(varied)}); "
            "mean ± standard deviation over the runs of each group.</p>",
            _table(tables.display_table(result.summary, result.keys, result.metrics)),
        ]
    not_finished = result.runs[result.runs["state"] != "finished"]
    if not not_finished.empty:
        parts += [
            "<h2>Runs that did not finish</h2>",
            _table(not_finished[["run_dir", "state", "error"]]),
        ]
    if result.comparison is not None:
        comparison = result.comparison
        scores = comparison.scores.round(3)
        scores.loc["average rank"] = comparison.average_ranks.round(2)
        scores = scores[list(comparison.average_ranks.index)].reset_index()
        parts += [
            f"<h2>Comparison over datasets: {html.escape(tables.label(result.comparison_metric))}"
            "</h2><p>Mean over seeds per dataset; rank 1 is the best.</p>",
            _table(scores),
            "<p>Pairwise Wilcoxon signed-rank tests over datasets, Holm-corrected:</p>",
            _table(comparison.pairs),
        ]
    for figure in result.figures:
        relative = figure.relative_to(result.out).as_posix()
        parts.append(f"<h3>{html.escape(figure.stem)}</h3><img src='{relative}' alt=''>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
