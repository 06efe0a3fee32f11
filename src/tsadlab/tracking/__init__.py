"""Experiment tracking: every run, sweep, search, benchmark job and re-evaluation recorded in
the trackers the `logger` config group turns on (MLflow, TensorBoard), beside the run folder
that stays the record of truth.

- `config`: the `logger` group's schemas; the store a run logs to.
- `context`: where a run sits among others (a sweep's job, a benchmark's).
- `record`: what a run folder tells a tracker (params, metrics, history, status, files).
- `tracker`: the trackers of one run; `mlflow_run` and `tensorboard` are the two, and
  `mlflow_store` is MLflow's client behind a guard that never lets it fail a run.
- `sweep`, `search`, `evaluation`: a sweep's and a search's parent run, a re-evaluation.
- `upload`: finished folders logged after the fact (`tsadlab-report --to-mlflow`).

MLflow is imported only where `logger=mlflow` (or an upload) needs it.
"""
