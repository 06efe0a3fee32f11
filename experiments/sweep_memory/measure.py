"""Memory of sweep jobs run one after another in one process (Hydra's basic launcher, a joblib
worker running several jobs, the trials of a search): Keras on TensorFlow with the session
cleared between jobs (what tsadlab does), without clearing, and Keras on JAX.

    python experiments/sweep_memory/measure.py --jobs 10 --epochs 1

Each mode runs in its own fresh process; prints resident memory after every job.
"""

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def rss_mb() -> float:
    """Current resident set size (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


MODES = {  # name -> (backend, clear the session between jobs)
    "tensorflow": ("tensorflow", True),
    "tensorflow-no-clear": ("tensorflow", False),
    "jax": ("jax", True),
}


def run_jobs(jobs: int, epochs: int, backend: str, clear: bool) -> list[float]:
    """Run `jobs` default S&P 500 runs in this process; RSS after each."""
    import keras

    from tsadlab.cli.common import compose_config
    from tsadlab.run import run

    if not clear:
        keras.backend.clear_session = lambda *args, **kwargs: None
    rss = []
    with tempfile.TemporaryDirectory() as tmp:
        for job in range(jobs):
            cfg = compose_config(
                [
                    f"trainer.epochs={epochs}",
                    "trainer.verbose=0",
                    f"seed={job}",
                    f"backend={backend}",
                ]
            )
            run(cfg, Path(tmp) / str(job))
            gc.collect()
            rss.append(round(rss_mb(), 1))
            print(f"  job {job}: {rss[-1]:.1f} MB", file=sys.stderr, flush=True)
    return rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--mode", choices=sorted(MODES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:  # the child process of one mode
        print(json.dumps(run_jobs(args.jobs, args.epochs, *MODES[args.mode])))
        return
    results = {}
    for mode, (backend, clear) in MODES.items():
        print(f"mode {mode}: backend {backend}, clear_session between jobs: {clear}", flush=True)
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                f"--jobs={args.jobs}",
                f"--epochs={args.epochs}",
                f"--mode={mode}",
            ],
            stdout=subprocess.PIPE,
            text=True,
            check=True,
            env={**os.environ, "KERAS_BACKEND": backend},
        )
        results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    print("\nresident memory (MB) after each job")
    print(f"{'job':>4}" + "".join(f"{mode:>22}" for mode in MODES))
    for job in range(args.jobs):
        print(f"{job:>4}" + "".join(f"{results[mode][job]:>22.1f}" for mode in MODES))
    half = args.jobs // 2
    for mode, rss in results.items():
        per_job = (rss[-1] - rss[half]) / max(1, len(rss) - 1 - half)
        print(
            f"{mode}: {rss[0]:.0f} MB after job 0, {rss[-1]:.0f} MB after job {len(rss) - 1}; "
            f"growth over the second half {per_job:+.1f} MB per job"
        )


if __name__ == "__main__":
    main()
