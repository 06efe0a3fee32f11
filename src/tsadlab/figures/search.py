"""Figures of a search: the objective by trial, and the trials in parallel coordinates."""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tsadlab.figures.common import save_html, save_png


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
    return save_html(fig, path)
