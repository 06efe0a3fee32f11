"""Figures of a run: seaborn PNGs and plotly HTML pages that work offline.

Plotly pages load `plotly.min.js` from their own folder (written once per folder) instead of
a CDN: research clusters and these machines are often offline.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import seaborn as sns
from plotly.offline import get_plotlyjs

from tsadlab.artifacts import write_atomic, write_text
from tsadlab.intervals import flag_runs

PLOTLY_JS = "plotly.min.js"
SPLIT_COLORS = {"train": "#4c72b0", "val": "#dd8452", "test": "#55a868"}
# A line trace draws every row up to this many; a longer series is drawn from each of
# LINE_POINTS / 2 equal buckets' lowest and highest rows, so spikes survive and a page of a
# ten-million-row series stays a few MB. Markers (flagged rows) are never thinned.
LINE_POINTS = 20_000
# Score histograms get a KDE up to this many scores (seaborn's KDE is O(scores x grid)); more
# scores are binned with numpy and drawn without one.
KDE_POINTS = 200_000


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


def _line(x: pd.Index | np.ndarray, y: np.ndarray, **kwargs: object) -> go.Scatter:
    """A line trace of y over x, thinned to `line_rows` for long series."""
    rows = line_rows(np.asarray(y, dtype=float))
    return go.Scatter(x=np.asarray(x)[rows], y=np.asarray(y)[rows], mode="lines", **kwargs)


def loss_curve(history: pd.DataFrame, path: Path) -> Path:
    """Training and validation loss by epoch."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for column in ("loss", "val_loss"):
        if column in history:
            ax.plot(history["epoch"], history[column], marker="o", label=column)
    ax.set(xlabel="epoch", ylabel="loss", title="Loss by epoch")
    ax.legend()
    return save_png(fig, path)


def score_distribution(scores: np.ndarray, threshold: float, title: str, path: Path) -> Path:
    """Histogram with KDE of the finite scores, the threshold as a vertical line."""
    finite = scores[np.isfinite(scores)]
    fig, ax = plt.subplots(figsize=(7, 4))
    if len(finite) <= KDE_POINTS:
        sns.histplot(finite, bins=50, kde=len(finite) > 1 and np.ptp(finite) > 0, ax=ax)
    else:  # binned here: seaborn would copy millions of scores into a table first
        counts, edges = np.histogram(finite, bins=50)
        ax.stairs(counts, edges, fill=True, alpha=0.75, edgecolor="white")
    ax.axvline(threshold, color="crimson", linestyle="--", label=f"threshold {threshold:.4g}")
    above = int((finite > threshold).sum())
    ax.set(xlabel="score", ylabel="count", title=f"{title} ({above} of {len(finite)} above)")
    ax.legend()
    return save_png(fig, path)


def series_page(
    timestamps: pd.DatetimeIndex, values: np.ndarray, columns: tuple[str, ...], path: Path
) -> Path:
    """`series_figure` as an offline HTML page."""
    return _save_html(series_figure(timestamps, values, columns), path)


def series_figure(
    timestamps: pd.DatetimeIndex, values: np.ndarray, columns: tuple[str, ...]
) -> go.Figure:
    """Interactive line chart of the series in original units."""
    fig = go.Figure([_line(timestamps, values[:, j], name=name) for j, name in enumerate(columns)])
    fig.update_layout(title="Series", xaxis_title="time", yaxis_title="value")
    return fig


def scores_page(
    timestamps: pd.DatetimeIndex,
    scores: np.ndarray,
    split: np.ndarray,
    thresholds: np.ndarray,
    path: Path,
) -> Path:
    """`scores_figure` as an offline HTML page."""
    return _save_html(scores_figure(timestamps, scores, split, thresholds), path)


def scores_figure(
    timestamps: pd.DatetimeIndex, scores: np.ndarray, split: np.ndarray, thresholds: np.ndarray
) -> go.Figure:
    """Scores over time, coloured by split, with the threshold each row was compared with."""
    fig = go.Figure()
    for name, color in SPLIT_COLORS.items():
        rows = split == name
        if rows.any():
            fig.add_trace(
                _line(timestamps[rows], scores[rows], name=f"{name} score", line={"color": color})
            )
    fig.add_trace(
        _line(timestamps, thresholds, name="threshold", line={"color": "crimson", "dash": "dash"})
    )
    fig.update_layout(title="Anomaly score vs threshold", xaxis_title="time", yaxis_title="score")
    return fig


def anomalies_page(
    timestamps: pd.DatetimeIndex,
    values: np.ndarray,
    columns: tuple[str, ...],
    flags: np.ndarray,
    split: np.ndarray,
    path: Path,
    labels: np.ndarray | None = None,
) -> Path:
    """`anomalies_figure` as an offline HTML page."""
    figure = anomalies_figure(timestamps, values, columns, flags, split, labels)
    return _save_html(figure, path)


def anomalies_figure(
    timestamps: pd.DatetimeIndex,
    values: np.ndarray,
    columns: tuple[str, ...],
    flags: np.ndarray,
    split: np.ndarray,
    labels: np.ndarray | None = None,
) -> go.Figure:
    """The series in original units, a marker on every flagged row, labels shaded."""
    fig = go.Figure()
    for j, name in enumerate(columns):
        fig.add_trace(_line(timestamps, values[:, j], name=name))
        for part, color in SPLIT_COLORS.items():
            rows = flags & (split == part)
            if rows.any():
                fig.add_trace(
                    go.Scatter(
                        x=timestamps[rows],
                        y=values[rows, j],
                        mode="markers",
                        name=f"anomaly ({part})",
                        marker={
                            "color": "crimson",
                            "size": 7,
                            "line": {"color": color, "width": 1},
                        },
                    )
                )
    if labels is not None:
        for first, last in flag_runs(labels):
            fig.add_vrect(
                x0=timestamps[first],
                x1=timestamps[last],
                fillcolor="orange",
                opacity=0.25,
                line_width=0,
            )
    title = f"Detected anomalies: {int(flags.sum())} rows"
    if labels is not None:
        title += " (labeled anomalies shaded)"
    fig.update_layout(title=title, xaxis_title="time", yaxis_title="value")
    return fig


def value_columns(frame: pd.DataFrame) -> list[str]:
    """The original-unit value columns of a scores table ('value' or 'value_<name>')."""
    return [c for c in frame.columns if c == "value" or c.startswith("value_")]


def detection_figures(frame: pd.DataFrame, threshold: float, figures: Path) -> None:
    """Score distributions (of every score), scores vs threshold, and anomalies (drawn from
    `plotted_rows`), from a scores table."""
    scores, test = frame["score"].to_numpy(), (frame["split"] == "test").to_numpy()
    score_distribution(
        scores[~test], threshold, "Training-period scores", figures / "train_score_dist.png"
    )
    if test.any():
        score_distribution(scores[test], threshold, "Test scores", figures / "test_score_dist.png")
    else:
        score_distribution(
            scores, threshold, "All scores (no test part)", figures / "test_score_dist.png"
        )
    drawn = frame.iloc[plotted_rows(frame)]
    timestamps, split = pd.DatetimeIndex(drawn["timestamp"]), drawn["split"].to_numpy()
    scores_page(
        timestamps,
        drawn["score"].to_numpy(),
        split,
        drawn["threshold"].to_numpy(),
        figures / "scores_vs_threshold.html",
    )
    columns = value_columns(drawn)
    labels = drawn["label"].to_numpy().astype(bool) if "label" in drawn else None
    anomalies_page(
        timestamps,
        drawn[columns].to_numpy(),
        tuple(columns),
        drawn["is_anomaly"].to_numpy().astype(bool),
        split,
        figures / "anomalies.html",
        labels,
    )


def plotted_rows(frame: pd.DataFrame, limit: int = LINE_POINTS) -> np.ndarray:
    """Rows of a scores table that the pages draw: every row of a short table; of a long one,
    the rows that keep each line's shape (`line_rows` of the scores, the thresholds and each
    value column), every flagged row, and the first and last row of every split and label
    run."""
    if len(frame) <= limit:
        return np.arange(len(frame))
    keep = [line_rows(frame[c].to_numpy(dtype=float), limit) for c in ("score", "threshold")]
    keep += [line_rows(frame[c].to_numpy(dtype=float), limit) for c in value_columns(frame)]
    keep.append(np.flatnonzero(frame["is_anomaly"].to_numpy()))
    for column in ("split", "label"):
        if column in frame:
            codes = pd.factorize(frame[column])[0]
            changes = np.flatnonzero(np.diff(codes)) + 1
            keep += [changes - 1, changes, np.array([0, len(frame) - 1])]
    return np.unique(np.concatenate(keep))


def search_figures(trials: pd.DataFrame, objective: str, direction: str, folder: Path) -> None:
    """objective_by_trial.png and parallel_coordinates.html of a search's trials.csv table."""
    if not len(trials) or "objective" not in trials:
        return
    objective_by_trial(trials, objective, direction, folder / "objective_by_trial.png")
    done = trials[trials["status"] == "COMPLETED"]
    if len(done):
        parallel_coordinates(done, objective, folder / "parallel_coordinates.html")


def objective_by_trial(trials: pd.DataFrame, objective: str, direction: str, path: Path) -> Path:
    """Each completed trial's objective, the best so far as a step line, failures marked."""
    number = trials["trial"].astype(int) + 1
    done = trials["status"] == "COMPLETED"
    values = trials["objective"].where(done).astype(float)
    best = values.cummin() if direction == "min" else values.cummax()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(number[done], values[done], "o", label="trial")
    ax.step(number, best, where="post", color="crimson", label="best so far")
    if (~done).any():
        low = values.min() if done.any() else 0.0
        ax.plot(number[~done], np.full((~done).sum(), low), "x", color="grey", label="failed")
    ax.set(xlabel="trial", ylabel=objective, title=f"{objective} by trial ({direction}imize)")
    ax.legend()
    return save_png(fig, path)


def parallel_coordinates(trials: pd.DataFrame, objective: str, path: Path) -> Path:
    """One axis per searched config key and one for the objective; a line per completed trial.

    Text and list values get an axis of categories; numbers keep their scale.
    """
    skip = {"trial", "status", "objective", "seconds", "worker", "error", "epochs_run"}
    columns = [
        c
        for c in trials.columns
        if c not in skip and not c.startswith(("tuner/", "val_")) and trials[c].notna().any()
    ]
    dimensions = []
    for column in columns:
        values = trials[column]
        if pd.api.types.is_numeric_dtype(values):
            dimensions.append({"label": column, "values": values.astype(float)})
        else:
            categories = sorted(values.astype(str).unique())
            codes = values.astype(str).map({c: i for i, c in enumerate(categories)})
            dimensions.append(
                {
                    "label": column,
                    "values": codes,
                    "tickvals": list(range(len(categories))),
                    "ticktext": categories,
                }
            )
    score = trials["objective"].astype(float)
    dimensions.append({"label": objective, "values": score})
    fig = go.Figure(
        go.Parcoords(
            line={"color": score, "colorscale": "Viridis", "showscale": True},
            dimensions=dimensions,
        )
    )
    fig.update_layout(title=f"Search: hyperparameters vs {objective}")
    return _save_html(fig, path)


def save_png(fig: plt.Figure, path: Path) -> Path:
    """Save a matplotlib figure as PNG atomically and close it."""
    fig.tight_layout()
    try:
        return write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        plt.close(fig)


# The plotly.min.js this process wrote first; later figure folders hard-link to it.
_first_plotly_js: Path | None = None


def _save_html(fig: go.Figure, path: Path) -> Path:
    js = path.parent / PLOTLY_JS
    if not js.exists():
        _place_plotly_js(js)
    return write_text(path, fig.to_html(include_plotlyjs="directory", full_html=True))


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
