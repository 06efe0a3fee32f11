"""Event (overlap-segment) counts and F1, as the Orion benchmark scores them."""

from dataclasses import asdict, dataclass

import numpy as np

from tsadlab.intervals import flag_runs
from tsadlab.metrics import Column, LabeledRows, check_labels, precision_recall_f1, register_metric


@dataclass(frozen=True)
class EventCounts:
    """Orion's overlap-segment counts for one series (summed for micro-averaging)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: "EventCounts") -> "EventCounts":
        return EventCounts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def scores(self) -> dict[str, float]:
        """Precision, recall and F1 of these counts (0 where undefined)."""
        return precision_recall_f1(self.tp, self.fp, self.fn)

    def summary(self) -> dict[str, float]:
        """Precision, recall, F1 and the counts themselves, as metrics.json records them."""
        return {**self.scores(), **asdict(self)}


def event_counts(labels: np.ndarray, flags: np.ndarray) -> EventCounts:
    """Overlap-segment counts as the Orion benchmark scores them (`weighted=False`).

    A labeled interval overlapping any detected interval is one TP, one overlapping none is
    a FN; a detected interval overlapping no labeled interval is a FP. Intervals are runs of
    rows, and two overlap when they share at least one row.
    """
    labels, flags = check_labels(labels, flags)
    truth, found = flag_runs(labels), flag_runs(flags.astype(bool))
    if len(truth) == 0 or len(found) == 0:
        return EventCounts(tp=0, fp=len(found), fn=len(truth))
    # overlap[i, j]: labeled run i and detected run j share a row.
    overlap = (truth[:, None, 0] <= found[None, :, 1]) & (found[None, :, 0] <= truth[:, None, 1])
    tp = int(overlap.any(axis=1).sum())
    return EventCounts(tp=tp, fp=int((~overlap.any(axis=0)).sum()), fn=len(truth) - tp)


@register_metric(
    "event_counts",
    Column("tp", "event_tp", "event TP", headline=False),
    Column("fp", "event_fp", "event FP", headline=False),
    Column("fn", "event_fn", "event FN", headline=False),
)
def event_count_metric(rows: LabeledRows) -> dict[str, int]:
    """Labeled events found (tp) and missed (fn), detected events matching none (fp)."""
    return asdict(event_counts(rows.labels, rows.flags))


@register_metric("event", Column("f1", "event_f1", "overlap F1", "max"))
def event_metric(rows: LabeledRows) -> dict[str, float]:
    """Overlap-segment precision, recall and F1 (Orion's `contextual_f1_score`, unweighted)."""
    return event_counts(rows.labels, rows.flags).scores()
