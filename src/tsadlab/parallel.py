"""How many worker processes a collection's series run in, and which thread pools each
worker shares out.

One series' training keeps about one core busy (small recurrent models spend their time in
Python dispatch and small matrix products), so a collection uses a many-core machine by
running its series side by side, one process each (`series_workers`). Processes that each
size their thread pools for the whole machine fight over it, so each worker's pools get
`cores // workers` threads, set in its environment before it starts: a pool is sized once,
when its library starts (OpenMP and BLAS when loaded, XLA and TensorFlow at their first
computation), and cannot be resized afterwards.

Except the pool that computes the model, because its size changes the numbers, and
`workers` must not. Measured on jax 0.10.2 (`tests/test_parallel_series.py` keeps it):
XLA splits a convolution's sum over the batch across its pool, so conv_ae's scores differ by
up to 1.2e-7 between pools of 1 and 2 threads, and no XLA flag makes it thread-independent
(`--xla_cpu_multi_thread_eigen=false`, XNNPACK, oneDNN and the legacy runtime were tried).
Matrix products gave the same bits for 1, 2 and 8 threads, and Orion's LSTM autoencoder on
a NAB series for 1 and 2 (with or without that flag): the convolutions decide. So a
worker's XLA pool (NPROC), TensorFlow's intra-op pool and PyTorch's (OpenMP and MKL under
backend=torch or tensorflow) keep the size one process would give them, and a collection's
numbers are the same bits with any `workers` and the same as each series run alone. What is
shared out is every other pool (SHARED_POOLS): numpy's and scikit-learn's, and TensorFlow's
inter-op pool, whose size does not change a result.

`auto` workers are the cores this job may use, capped by the series still to run:
- `TSADLAB_CORES`, if set: a parent that runs jobs side by side gives each its share;
- else 1 inside a worker process of a parallel launcher (Hydra's joblib launcher, which
  `tsadlab-bench` and `-m hydra/launcher=joblib` use): the launcher already fills the cores;
- else the cores this process may run on (`os.sched_getaffinity`: a SLURM allocation, a
  `taskset`, a container's cpuset).
"""

import multiprocessing
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from tsadlab.errors import ConfigError

CORES_VARIABLE = "TSADLAB_CORES"
ACCEPTED_WORKERS = "auto or a whole number >= 1"
# The pools shared out, by backend: those of numpy, scipy and scikit-learn (OpenBLAS,
# OpenMP, MKL), and TensorFlow's inter-op pool (which only runs independent ops side by
# side). PyTorch computes on OpenMP and MKL, and TensorFlow loads OpenMP too, so under
# those backends OpenMP and MKL keep their size and only OpenBLAS is shared out.
SHARED_POOLS = {
    "jax": ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"),
    "tensorflow": ("OPENBLAS_NUM_THREADS", "TF_NUM_INTEROP_THREADS"),
    "torch": ("OPENBLAS_NUM_THREADS",),
}


def check_workers(value: object) -> int | str:
    """`value` as a `workers` setting ('auto' or an int >= 1); one line otherwise."""
    if value == "auto" or (type(value) is int and value >= 1):
        return value
    raise ConfigError(
        f"Received: workers={value!r} (must be {ACCEPTED_WORKERS}: the processes a "
        "collection's series run in; 1 runs them one after another in this process)"
    )


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def in_launcher_worker() -> bool:
    """Whether this process is a worker of a process pool (a joblib/loky launcher's job)."""
    return multiprocessing.parent_process() is not None


def cores_given() -> int | None:
    """The cores a parent gave this job in TSADLAB_CORES, or None where it gave none."""
    text = os.environ.get(CORES_VARIABLE, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"Received: {CORES_VARIABLE}={text!r} (must be a whole number >= 1)")
    return int(text)


def job_cores() -> int:
    """The cores this job may use (the module's docstring gives the rule)."""
    given = cores_given()
    if given is not None:
        return given
    return 1 if in_launcher_worker() else usable_cores()


def resolve_workers(workers: int | str, to_run: int) -> int:
    """The worker processes for `to_run` series: `auto` is `job_cores()`; never more than
    there are series to run, never fewer than 1 (1: in this process)."""
    wanted = job_cores() if check_workers(workers) == "auto" else int(workers)
    return max(1, min(wanted, to_run))


def threads_per_worker(cores: int, workers: int) -> int:
    """Each worker's share of the cores."""
    return max(1, cores // workers)


def thread_environment(threads: int, backend: str) -> dict[str, str]:
    """The environment that gives the shared-out pools (SHARED_POOLS) `threads` threads
    (for a backend it does not know, only the pools that no backend computes on)."""
    return dict.fromkeys(SHARED_POOLS.get(backend, SHARED_POOLS["torch"]), str(threads))


@contextmanager
def environment_set(values: Mapping[str, str]) -> Iterator[None]:
    """Within the block os.environ holds `values` (child processes started there inherit
    them from their first instruction); the previous values are restored after."""
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def limit_threads_to_cores_given(backend: str) -> None:
    """A job given a share of the cores in TSADLAB_CORES sizes its shared-out pools to it
    before any library starts them (joblib already does so in its workers, for OpenMP and
    BLAS, with cores // n_jobs). Variables already set are kept."""
    given = cores_given()
    if given is None:
        return
    for key, value in thread_environment(given, backend).items():
        os.environ.setdefault(key, value)
