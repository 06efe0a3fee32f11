"""What a run says it found (reporting.finding), and the figures that show it."""

import json
import logging

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, compose_config

from tsadlab.detection.detect import events_table
from tsadlab.figures import run as figures
from tsadlab.reporting.finding import MAX_LISTED, run_finding
from tsadlab.run import run

N_ROWS, TEST_START = 30, 18  # daily rows from 2021-01-01; the test period from 2021-01-19


def prices() -> np.ndarray:
    """100 a day, then +5 % on row 20 (2021-01-21), -1 % on row 21, -10 % on row 25."""
    values = np.full(N_ROWS, 100.0)
    values[20:] = 105.0
    values[21:] = 103.95
    values[25:] = 93.555
    return values


def scores_table(
    flagged: list[int],
    values: np.ndarray | None = None,
    timestamps: pd.Index | None = None,
    test_start: int = TEST_START,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A scores table as `scores_frame` builds it (flagged rows score 2, others 0.5, the
    threshold 1.25) and its events table as `detect` builds it."""
    timestamps = pd.date_range("2021-01-01", periods=N_ROWS) if timestamps is None else timestamps
    values = prices() if values is None else values
    rows = np.arange(N_ROWS)
    split = np.where(rows < min(14, test_start), "train", "val").astype(object)
    split[test_start:] = "test"
    flags = np.isin(rows, flagged)
    scores = np.where(flags, 2.0, 0.5)
    scores[:4] = np.nan  # the first window's rows have no score
    frame = pd.DataFrame({"timestamp": timestamps})
    for j, column in enumerate(["value"] if values.ndim == 1 else ["value_a", "value_b"]):
        frame[column] = values if values.ndim == 1 else values[:, j]
    frame["split"] = pd.Categorical(split, categories=["train", "val", "test"])
    frame["score"] = scores
    frame["threshold"] = 1.25
    frame["is_anomaly"] = flags.astype(np.int8)
    return frame, events_table(timestamps, flags, scores, split)


def test_two_test_events_are_dated_with_their_largest_move():
    frame, events = scores_table([6, 20, 21, 22, 25, 26])
    finding = run_finding(frame, events, "toy")
    assert finding.lines == [
        "toy: 2 events detected in the test period (2021-01-19 .. 2021-01-30):",
        "  2021-01-21 .. 2021-01-23 (3 rows): largest move +5.00% on 2021-01-21",
        "  2021-01-26 .. 2021-01-27 (2 rows): largest move -10.00% on 2021-01-26",
        "Training period (2021-01-01 .. 2021-01-18): 1 event, on data the model and threshold "
        "were fitted on (not a finding).",
    ]
    record = finding.record
    assert (record["period"], record["events"], record["training_period_events"]) == ("test", 2, 1)
    assert record["listed"][1]["move"] == pytest.approx(
        {"change": -10.0, "unit": "%", "at": "2021-01-26"}
    )
    assert record["text"] == finding.text
    json.dumps(record)  # metrics.json holds it


def test_no_test_event_gives_the_largest_test_score_and_the_threshold():
    frame, events = scores_table([6])
    frame.loc[27, "score"] = 0.9
    finding = run_finding(frame, events, "toy")
    assert finding.lines[0] == (
        "toy: no event detected in the test period (2021-01-19 .. 2021-01-30): the largest "
        "test score, 0.9 on 2021-01-28, stayed below the threshold 1.25."
    )
    assert finding.record["largest_score"] == {"score": 0.9, "at": "2021-01-28", "threshold": 1.25}
    assert finding.lines[1].startswith("Training period (2021-01-01 .. 2021-01-18): 1 event,")


def test_without_a_test_part_every_row_is_described_in_the_values_units():
    values = np.sin(np.arange(N_ROWS) / 3.0)  # negative too: moves are in the value's units
    values[12:] -= 3.5
    frame, events = scores_table(
        [12, 13], values, timestamps=pd.RangeIndex(N_ROWS), test_start=N_ROWS
    )
    finding = run_finding(frame, events, "rows")
    move = values[12] - values[11]
    assert finding.lines == [
        "rows: no test period (the model and threshold were fitted on every row); 1 event "
        "detected over all rows (row 0 .. row 29):",
        f"  row 12 .. row 13 (2 rows): largest move {move:+.2f} at row 12",
    ]
    assert finding.record["period"] == "all" and "training_period_events" not in finding.record


def test_an_event_running_on_into_the_test_period_is_a_test_event():
    frame, events = scores_table([17, 18, 19])
    assert events["split"].tolist() == ["val"]
    finding = run_finding(frame, events, "toy")
    assert finding.record["events"] == 1 and finding.record["training_period_events"] == 1
    assert (
        finding.lines[1] == "  2021-01-18 .. 2021-01-20 (3 rows): largest move +0.00% on 2021-01-18"
    )


def test_several_columns_are_described_by_their_peak_score():
    frame, events = scores_table([22], np.column_stack([prices(), -prices()]))
    assert (
        run_finding(frame, events, "pair").lines[1]
        == "  2021-01-23 (1 row): peak score 2 on 2021-01-23"
    )


def test_at_most_max_listed_events_are_listed():
    flagged = list(range(4, N_ROWS, 2))  # every other row of the test period: 13 events
    frame, events = scores_table(flagged, test_start=4)
    finding = run_finding(frame, events, "toy")
    assert finding.record["events"] == 13 and len(finding.record["listed"]) == MAX_LISTED
    assert finding.lines[-2] == f"  ... and {13 - MAX_LISTED} more (events.csv)"


def test_best_epoch_is_the_lowest_monitored_loss_as_history_numbers_it(tmp_path):
    history = pd.DataFrame(
        {"epoch": [1, 2, 3, 4], "loss": [0.9, 0.7, 0.5, 0.4], "val_loss": [1.0, 0.6, 0.8, 0.9]}
    )
    assert figures.best_epoch(history) == 2
    assert figures.best_epoch(history.drop(columns="val_loss")) == 4
    path = figures.loss_curve(history, tmp_path / "loss_curve.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000


def test_anomalies_page_names_the_series_the_periods_and_the_finding(tmp_path):
    frame, events = scores_table([6, 20, 21, 22, 25, 26])
    finding = run_finding(frame, events, "S&P 500")
    figures.detection_figures(frame, 1.25, tmp_path, "S&P 500", finding.text)
    page = (tmp_path / "anomalies.html").read_text(encoding="utf-8")
    assert "S&amp;P 500: 2 events detected in the test period" in page  # escaped, above the plot
    assert page.index("largest move +5.00% on 2021-01-21") < page.index("Plotly.newPlot")
    for text in ("training period", "validation", "test period", "test-period detection"):
        assert text in page, text
    assert "anomaly (test)" not in page
    scores_page = (tmp_path / "scores_vs_threshold.html").read_text(encoding="utf-8")
    assert "test period" in scores_page and "Anomaly score vs threshold in S" in scores_page


def test_a_run_ends_by_saying_what_it_found(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    result = run(compose_config(TINY), tmp_path / "run")
    finding = json.loads((tmp_path / "run" / "metrics.json").read_text())["finding"]
    assert finding == result.metrics["finding"]
    assert finding["series"] == "sp500" and finding["period"] == "test"
    lines = finding["text"].splitlines()
    assert lines[0].startswith("sp500: ")
    assert [r.getMessage() for r in caplog.records[-len(lines) :]] == lines
    assert caplog.records[-len(lines) - 1].getMessage().startswith("run finished in ")
