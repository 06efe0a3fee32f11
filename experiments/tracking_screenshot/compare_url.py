"""Print the URL of MLflow's comparison view of a sweep's jobs (the runs nested under the
parent run that the sweep folder records).

python compare_url.py <tracking uri> <sweep folder> <UI address>
"""

import json
import sys
import urllib.parse
from pathlib import Path

from mlflow import MlflowClient


def compare_url(tracking_uri: str, sweep_dir: Path, ui: str) -> str:
    """`<ui>/#/compare-runs?runs=[...]&experiments=[...]`, as MLflow's UI links it."""
    record = json.loads((sweep_dir / "mlflow_run.json").read_text(encoding="utf-8"))
    client = MlflowClient(tracking_uri)
    parent = client.get_run(record["run_id"])
    jobs = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
        order_by=["attributes.start_time ASC"],
    )
    runs = json.dumps([job.info.run_id for job in jobs])
    experiments = json.dumps([parent.info.experiment_id])
    query = urllib.parse.urlencode({"runs": runs, "experiments": experiments})
    return f"{ui}/#/compare-runs?{query}"


if __name__ == "__main__":
    print(compare_url(sys.argv[1], Path(sys.argv[2]), sys.argv[3]))
