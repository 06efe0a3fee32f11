"""The report's figures: a metric by group (box and strip plots), training curves and score
distributions overlaid across runs, and the critical-difference diagram."""

import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from tsadlab.figures.common import save_png
from tsadlab.reporting.stats import RankComparison
from tsadlab.reporting.tables import group_label, label

# Test scores drawn per group in the overlaid distributions (a KDE needs no more).
MAX_SCORES_PER_GROUP = 20_000


def with_groups(runs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The finished runs, with their group label as a `group` column."""
    finished = runs[runs["state"] == "finished"].copy()
    finished["group"] = [group_label(row, keys) for _, row in finished.iterrows()]
    return finished


def metric_by_group(runs: pd.DataFrame, metric: str, path: Path) -> Path:
    """One box per group, every run a dot on it."""
    data = runs[runs[metric].notna()]
    longest = int(data["group"].str.len().max())  # the labels sit left of the plot
    fig, ax = plt.subplots(
        figsize=(6 + 0.075 * longest, 0.5 + 0.45 * max(2, data["group"].nunique()))
    )
    with warnings.catch_warnings():  # seaborn 0.13 passes matplotlib 3.11 a deprecated flag
        warnings.simplefilter("ignore", DeprecationWarning)
        sns.boxplot(data=data, x=metric, y="group", color="#dfe7f2", ax=ax, fliersize=0)
    sns.stripplot(data=data, x=metric, y="group", color="#4c72b0", size=5, ax=ax)
    ax.set(xlabel=label(metric), ylabel="", title=f"{label(metric)} by group")
    return save_png(fig, path)


def training_curves(runs: pd.DataFrame, path: Path) -> Path | None:
    """Validation loss (or loss) by epoch of every run, coloured by group; None without any
    history (baselines)."""
    frames = []
    for row in runs.itertuples():
        history_file = Path(row.run_dir) / "history.csv"
        if not history_file.exists():
            continue
        history = pd.read_csv(history_file)
        column = "val_loss" if "val_loss" in history else "loss"
        if history.empty or column not in history:
            continue
        frames.append(
            pd.DataFrame(
                {
                    "epoch": history["epoch"],
                    "loss": history[column],
                    "group": row.group,
                    "run": row.run_dir,
                    "kind": column,
                }
            )
        )
    if not frames:
        return None
    data = pd.concat(frames, ignore_index=True)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    sns.lineplot(
        data=data, x="epoch", y="loss", hue="group", units="run", estimator=None, alpha=0.7, ax=ax
    )
    ax.set(ylabel=" / ".join(sorted(data["kind"].unique())), title="Training curves")
    return save_png(fig, path)


def score_distributions(runs: pd.DataFrame, path: Path) -> Path | None:
    """Density of the test scores of each group's runs; None when no run has test scores."""
    frames = []
    for group, members in runs.groupby("group"):
        scores = []
        for run_dir in members["run_dir"]:
            scores_file = Path(run_dir) / "scores.csv"
            if scores_file.exists():
                table = pd.read_csv(scores_file, usecols=["split", "score"])
                scores.append(table.loc[table["split"] == "test", "score"].dropna())
        if scores:
            values = pd.concat(scores, ignore_index=True)
            if len(values) > MAX_SCORES_PER_GROUP:
                values = values.sample(MAX_SCORES_PER_GROUP, random_state=0)
            frames.append(pd.DataFrame({"score": values, "group": group}))
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if data.empty or data["score"].nunique() < 2:
        return None
    fig, ax = plt.subplots(figsize=(8, 4.5))
    sns.kdeplot(
        data=data, x="score", hue="group", common_norm=False, cut=0, ax=ax, warn_singular=False
    )
    ax.set(title="Test-score distributions")
    return save_png(fig, path)


def cd_diagram(comparison: RankComparison, metric: str, path: Path) -> Path:
    """Methods on an axis of average rank (1 = best, left); a bar joins methods that no
    Holm-corrected Wilcoxon test separates."""
    ranks = comparison.average_ranks
    k = len(ranks)
    rows = (k + 1) // 2  # names hang down both sides of the axis, half on each
    margin = 2.5 + k / 20  # room for the method names on both sides of the axis
    fig, ax = plt.subplots(figsize=(9 + k / 10, 1.8 + 0.3 * rows))
    ax.set_xlim(0.5 - margin, k + 0.5 + margin)
    ax.set_ylim(-0.3 * rows - 0.5, 1.2)
    ax.plot([1, k], [0.8, 0.8], color="black", lw=1)
    every = 1 if k <= 15 else 5  # numbered ticks that do not run into each other
    for r in range(1, k + 1):
        ax.plot([r, r], [0.8, 0.9], color="black", lw=1)
        if r == 1 or r % every == 0:
            ax.text(r, 0.95, str(r), ha="center", va="bottom", fontsize=9)
    for i, (method, rank) in enumerate(ranks.items()):
        left = i < rows
        y = -0.3 * (i if left else k - 1 - i) - 0.3
        end = 0.5 if left else k + 0.5
        ax.plot([rank, rank, end], [0.8, y, y], color="black", lw=0.8)
        ax.text(
            end + (-0.05 if left else 0.05),
            y,
            f"{method} ({rank:.2f})",
            ha="right" if left else "left",
            va="center",
            fontsize=9,
        )
    for n, clique in enumerate(comparison.cliques):
        lo, hi = ranks[clique[0]], ranks[clique[-1]]
        y = 0.65 - 0.12 * n
        ax.plot([lo - 0.03, hi + 0.03], [y, y], color="#c44e52", lw=3)
    p = comparison.friedman_p
    friedman = f"Friedman p = {p:.3g}" if p is not None else "Friedman: needs >= 3 methods"
    ax.set_title(
        f"{label(metric)}: average rank over {len(comparison.scores)} datasets; {friedman}",
        fontsize=10,
    )
    ax.axis("off")
    return save_png(fig, path)
