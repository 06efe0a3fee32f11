"""Figures of a run: seaborn PNGs (loss curve, score distributions) and plotly pages (the
series, scores against the threshold, detected anomalies)."""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from tsadlab.detection.frame import time_index, value_columns
from tsadlab.figures.common import LINE_POINTS, line_rows, line_trace, save_html, save_png
from tsadlab.intervals import flag_runs

SPLIT_COLORS = {"train": "#4c72b0", "val": "#dd8452", "test": "#55a868"}
PERIOD_NAMES = {"train": "training period", "val": "validation", "test": "test period"}
DETECTION_NAMES = {
    "train": "training-period detection",
    "val": "validation detection",
    "test": "test-period detection",
}
# Score histograms get a KDE up to this many scores (seaborn's KDE is O(scores x grid)); more
# scores are binned with numpy and drawn without one.
KDE_POINTS = 200_000


def best_epoch(history: pd.DataFrame) -> int:
    """The epoch (as history.csv numbers it) whose monitored loss is lowest: `val_loss` when
    there is one, else `loss` (what early stopping monitors)."""
    monitor = "val_loss" if "val_loss" in history else "loss"
    return int(history["epoch"].loc[history[monitor].idxmin()])


def loss_curve(history: pd.DataFrame, path: Path) -> Path:
    """Training and validation loss by epoch, the best epoch marked."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for column in ("loss", "val_loss"):
        if column in history:
            ax.plot(history["epoch"], history[column], marker="o", label=column)
    best = best_epoch(history)
    ax.axvline(best, color="gray", linestyle="--", label=f"best epoch {best}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
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
    timestamps: pd.Index, values: np.ndarray, columns: tuple[str, ...], path: Path
) -> Path:
    """`series_figure` as an offline HTML page."""
    return save_html(series_figure(timestamps, values, columns), path)


def series_figure(timestamps: pd.Index, values: np.ndarray, columns: tuple[str, ...]) -> go.Figure:
    """Interactive line chart of the series in original units."""
    fig = go.Figure(
        [line_trace(timestamps, values[:, j], name=name) for j, name in enumerate(columns)]
    )
    fig.update_layout(title="Series", xaxis_title="time", yaxis_title="value")
    return fig


def shade_periods(fig: go.Figure, timestamps: pd.Index, split: np.ndarray) -> None:
    """Shade each training, validation and test period, named at its top (validation at its
    bottom: a short one would hide the test period's name)."""
    if not len(split):
        return
    changes = np.flatnonzero(split[1:] != split[:-1]) + 1
    starts, ends = np.r_[0, changes], np.r_[changes, len(split) - 1]
    for first, end in zip(starts, ends, strict=True):
        part = split[first]
        fig.add_vrect(
            x0=timestamps[first],
            x1=timestamps[end],
            fillcolor=SPLIT_COLORS[part],
            opacity=0.08,
            line_width=0,
            layer="below",
            annotation_text=PERIOD_NAMES[part],
            annotation_position="bottom left" if part == "val" else "top left",
        )


def scores_page(
    timestamps: pd.Index,
    scores: np.ndarray,
    split: np.ndarray,
    thresholds: np.ndarray,
    path: Path,
    series: str = "",
) -> Path:
    """`scores_figure` as an offline HTML page."""
    return save_html(scores_figure(timestamps, scores, split, thresholds, series), path)


def scores_figure(
    timestamps: pd.Index,
    scores: np.ndarray,
    split: np.ndarray,
    thresholds: np.ndarray,
    series: str = "",
) -> go.Figure:
    """Scores over time, coloured and shaded by period, with the threshold each row was
    compared with."""
    fig = go.Figure()
    for part, color in SPLIT_COLORS.items():
        rows = split == part
        if rows.any():
            name = f"{PERIOD_NAMES[part]} score"
            fig.add_trace(
                line_trace(timestamps[rows], scores[rows], name=name, line={"color": color})
            )
    fig.add_trace(
        line_trace(
            timestamps, thresholds, name="threshold", line={"color": "crimson", "dash": "dash"}
        )
    )
    shade_periods(fig, timestamps, split)
    fig.update_layout(
        title=f"Anomaly score vs threshold{_in(series)}", xaxis_title="time", yaxis_title="score"
    )
    return fig


def _in(series: str) -> str:
    """' in <series>' for a figure's title, when the series is named."""
    return f" in {series}" if series else ""


def anomalies_page(
    timestamps: pd.Index,
    values: np.ndarray,
    columns: tuple[str, ...],
    flags: np.ndarray,
    split: np.ndarray,
    path: Path,
    labels: np.ndarray | None = None,
    series: str = "",
    finding: str = "",
) -> Path:
    """`anomalies_figure` as an offline HTML page, the run's finding (plain text) above it."""
    figure = anomalies_figure(timestamps, values, columns, flags, split, labels, series)
    return save_html(figure, path, heading=finding)


def anomalies_figure(
    timestamps: pd.Index,
    values: np.ndarray,
    columns: tuple[str, ...],
    flags: np.ndarray,
    split: np.ndarray,
    labels: np.ndarray | None = None,
    series: str = "",
) -> go.Figure:
    """The series in original units, a marker on every flagged row named by its period, the
    periods and the labels shaded."""
    fig = go.Figure()
    for j, name in enumerate(columns):
        fig.add_trace(line_trace(timestamps, values[:, j], name=name))
        for part, color in SPLIT_COLORS.items():
            rows = flags & (split == part)
            if rows.any():
                fig.add_trace(
                    go.Scatter(
                        x=timestamps[rows],
                        y=values[rows, j],
                        mode="markers",
                        name=DETECTION_NAMES[part] + (f" ({name})" if len(columns) > 1 else ""),
                        marker={
                            "color": "crimson",
                            "size": 7,
                            "line": {"color": color, "width": 1},
                        },
                    )
                )
    shade_periods(fig, timestamps, split)
    if labels is not None:
        for first, last in flag_runs(labels):
            fig.add_vrect(
                x0=timestamps[first],
                x1=timestamps[last],
                fillcolor="orange",
                opacity=0.25,
                line_width=0,
            )
    title = f"Detected anomalies{_in(series)}: {int(flags.sum())} rows"
    if labels is not None:
        title += " (labeled anomalies shaded)"
    fig.update_layout(title=title, xaxis_title="time", yaxis_title="value")
    return fig


def detection_figures(
    frame: pd.DataFrame, threshold: float, figures: Path, series: str = "", finding: str = ""
) -> None:
    """Score distributions (of every score), scores vs threshold, and anomalies (drawn from
    `plotted_rows`), from a scores table; `series` names the series in the titles and the
    run's `finding` (plain text) heads the anomalies page."""
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
    timestamps, split = time_index(drawn["timestamp"]), drawn["split"].to_numpy()
    scores_page(
        timestamps,
        drawn["score"].to_numpy(),
        split,
        drawn["threshold"].to_numpy(),
        figures / "scores_vs_threshold.html",
        series,
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
        series,
        finding,
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
