"""Comparing methods over several datasets (Demšar, JMLR 2006): average ranks, the Friedman
test, pairwise Wilcoxon signed-rank tests with Holm's correction, and the groups of methods
that no test separates (the bars of a critical-difference diagram)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

ALPHA = 0.05


@dataclass(frozen=True)
class RankComparison:
    """The outcome of comparing the methods (columns) of a datasets x methods score table."""

    scores: pd.DataFrame  # datasets x methods, mean over seeds
    ranks: pd.DataFrame  # datasets x methods, 1 = best, ties averaged
    friedman_statistic: float | None  # None with fewer than 3 methods
    friedman_p: float | None
    pairs: pd.DataFrame  # method_a, method_b, wilcoxon_p, holm_p, different
    cliques: list[list[str]]  # runs of methods (by average rank) no test separates

    @property
    def average_ranks(self) -> pd.Series:
        return self.ranks.mean().sort_values()


def score_matrix(
    runs: pd.DataFrame, dataset_key: str, method_key: str, metric: str
) -> pd.DataFrame:
    """Datasets x methods of the metric's mean over each cell's finished runs; datasets where
    a method has no value are dropped (a rank needs every method)."""
    finished = runs[(runs["state"] == "finished") & runs[metric].notna()]
    matrix = finished.pivot_table(
        index=dataset_key, columns=method_key, values=metric, aggfunc="mean"
    )
    return matrix.dropna(axis=0, how="any")


def compare(scores: pd.DataFrame, higher_is_better: bool = True) -> RankComparison:
    """Ranks, Friedman, Wilcoxon-Holm and cliques for a datasets x methods table."""
    ranks = (-scores if higher_is_better else scores).rank(axis=1, method="average")
    methods = list(scores.columns)
    statistic = p_value = None
    if len(methods) >= 3 and len(scores) >= 2:
        statistic, p_value = (float(v) for v in stats.friedmanchisquare(*scores.T.to_numpy()))
    pairs = wilcoxon_holm(scores)
    order = list(ranks.mean().sort_values().index)
    return RankComparison(scores, ranks, statistic, p_value, pairs, cliques(order, pairs))


def wilcoxon_holm(scores: pd.DataFrame) -> pd.DataFrame:
    """Every pair of methods: the Wilcoxon signed-rank p over datasets, Holm-adjusted."""
    methods = list(scores.columns)
    rows = []
    for i, a in enumerate(methods):
        for b in methods[i + 1 :]:
            difference = scores[a] - scores[b]
            if (difference == 0).all():
                p = 1.0  # identical on every dataset: nothing to test
            else:
                p = float(stats.wilcoxon(scores[a], scores[b], zero_method="zsplit").pvalue)
            rows.append({"method_a": a, "method_b": b, "wilcoxon_p": p})
    pairs = pd.DataFrame(rows, columns=["method_a", "method_b", "wilcoxon_p"])
    pairs["holm_p"] = holm(pairs["wilcoxon_p"].to_numpy())
    pairs["different"] = pairs["holm_p"] < ALPHA
    return pairs


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values, in the input order."""
    m = len(p_values)
    order = np.argsort(p_values, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for step, index in enumerate(order):
        running = max(running, min(1.0, (m - step) * p_values[index]))
        adjusted[index] = running
    return adjusted


def cliques(order: list[str], pairs: pd.DataFrame) -> list[list[str]]:
    """Maximal runs of consecutive methods (by average rank) with no pair told apart."""
    different = {frozenset((r.method_a, r.method_b)) for r in pairs.itertuples() if r.different}

    def together(i: int, j: int) -> bool:
        members = order[i : j + 1]
        return all(
            frozenset((a, b)) not in different
            for k, a in enumerate(members)
            for b in members[k + 1 :]
        )

    found: list[tuple[int, int]] = []
    for i in range(len(order)):
        j = i
        while j + 1 < len(order) and together(i, j + 1):
            j += 1
        if j > i and not any(a <= i and j <= b for a, b in found):
            found.append((i, j))
    return [order[i : j + 1] for i, j in found]
