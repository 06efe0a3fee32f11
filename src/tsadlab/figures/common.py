"""What every figure shares: PNGs written atomically, plotly pages that work offline, and
long lines thinned for drawing.

Plotly pages load `plotly.min.js` from their own folder (written once per folder) instead of
a CDN: research clusters and these machines are often offline.
"""

import html
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from tsadlab.artifacts import write_atomic, write_text

PLOTLY_JS = "plotly.min.js"
# A line trace draws every row up to this many; a longer series is drawn from each of
# LINE_POINTS / 2 equal buckets' lowest and highest rows, so spikes survive and a page of a
# ten-million-row series stays a few MB. Markers (flagged rows) are never thinned.
LINE_POINTS = 20_000
HEADING_STYLE = "font: 15px/1.5 sans-serif; white-space: pre-wrap; margin: 12px 16px;"


def line_rows(values: np.ndarray, limit: int = LINE_POINTS) -> np.ndarray:
    """Rows that draw `values` as a line of at most about `limit` points: all rows when there
    are few, else each bucket's lowest and highest finite row (in time order)."""
    n = len(values)
    if n <= limit:
        return np.arange(n)
    buckets = max(1, limit // 2)
    size = -(-n // buckets)
    rows = []
    # a block of buckets at a time: the temporary copies stay small for any n
    for first in range(0, n, size * 1000):
        block = np.asarray(values[first : first + size * 1000], dtype=float)
        padded = np.full(-(-len(block) // size) * size, np.nan)
        padded[: len(block)] = block
        padded = padded.reshape(-1, size)
        missing = np.isnan(padded)
        starts = first + np.arange(len(padded)) * size
        rows += [starts + np.where(missing, np.inf, padded).argmin(axis=1)]
        rows += [starts + np.where(missing, -np.inf, padded).argmax(axis=1)]
    rows = np.concatenate(rows)
    return np.unique(rows[rows < n])


def line_trace(x: pd.Index | np.ndarray, y: np.ndarray, **kwargs: object) -> go.Scatter:
    """A line trace of y over x, thinned to `line_rows` for long series."""
    rows = line_rows(np.asarray(y, dtype=float))
    return go.Scatter(x=np.asarray(x)[rows], y=np.asarray(y)[rows], mode="lines", **kwargs)


def save_png(fig: plt.Figure, path: Path) -> Path:
    """Save a matplotlib figure as PNG atomically and close it."""
    fig.tight_layout()
    try:
        return write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        plt.close(fig)


# The plotly.min.js this process wrote first; later figure folders hard-link to it.
_first_plotly_js: Path | None = None


def save_html(fig: go.Figure, path: Path, heading: str = "") -> Path:
    """Write a plotly figure as an offline page; `heading` (plain text, its lines kept) is
    shown above the figure."""
    js = path.parent / PLOTLY_JS
    if not js.exists():
        _place_plotly_js(js)
    page = fig.to_html(include_plotlyjs="directory", full_html=True)
    if heading:
        block = f'<pre style="{HEADING_STYLE}">{html.escape(heading)}</pre>'
        page = page.replace("<body>", f"<body>\n{block}", 1)
    return write_text(path, page)


def shared_plotly_js(js: Path) -> Path:
    """Write a copy of plotly.min.js for other processes to hard-link to (the worker
    processes of a collection: `link_plotly_js_to`), so that the run stores it once."""
    return write_text(js, get_plotlyjs())


def link_plotly_js_to(first: Path) -> None:
    """Hard-link this process' plotly.min.js copies to `first`, written by another process."""
    global _first_plotly_js
    _first_plotly_js = first


def _place_plotly_js(js: Path) -> None:
    """Put plotly.min.js (4.8 MB) beside a page: a hard link to the first copy where possible,
    so that a run of many series stores it once and every folder still works on its own."""
    global _first_plotly_js
    if _first_plotly_js is not None and _first_plotly_js.exists():
        try:
            write_atomic(js, lambda tmp: (tmp.unlink(), os.link(_first_plotly_js, tmp)))
            return
        except OSError:
            pass  # another filesystem: write a copy instead
    write_text(js, get_plotlyjs())
    _first_plotly_js = js
