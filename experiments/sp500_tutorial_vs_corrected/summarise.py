"""Print a Markdown table of what each run detected in its test period."""

import json
import sys
from pathlib import Path

import pandas as pd


def row(run_dir: Path) -> dict:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    events = pd.read_csv(run_dir / "events.csv")
    test = events[events["split"] == "test"]
    spans = "; ".join(
        f"{s[:10]}..{e[:10]}" for s, e in zip(test["start"], test["end"], strict=True)
    )
    return {
        "run": run_dir.name,
        "test rows": metrics["sizes"]["rows_test"],
        "epochs": metrics["training"]["epochs_run"],
        "threshold": f"{metrics['threshold']['strategy']} = {metrics['threshold']['value']:.3g}",
        "test rows flagged": metrics["anomalies"]["rows"]["test"],
        "test events": spans or "none",
        "train-period rows flagged": metrics["anomalies"]["rows"]["train"],
        "wall s": metrics["timings_s"]["total"],
    }


if __name__ == "__main__":
    rows = [row(Path(p)) for p in sys.argv[1:]]
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for r in rows:
        print("| " + " | ".join(str(v) for v in r.values()) + " |")
