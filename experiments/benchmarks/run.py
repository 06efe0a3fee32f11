"""tsadlab's speed and memory benchmark: prints its tables and writes results.json.

python experiments/benchmarks/run.py [--rounds 3] [--epochs 4] [--sizes 1e5,1e6,1e7]
    [--skip training,e2e,scale] [--out outputs/benchmarks/<time>] [--backends jax,torch]
    [--no-stock] [--table src/tsadlab/backend_speed.json]

On a GPU machine (`make bench-gpu`) the same command measures the GPU: JAX and Keras on
PyTorch place their work on it, and the hand-written loop moves to CUDA (cuDNN's LSTM).

- training: seconds per epoch (median over every epoch after each process's first) of the
  tutorial's model on its 6523 windows, per Keras backend installed and for a hand-written
  PyTorch loop (if torch is installed: pip install -e '.[bench]'), at batch 32 (the tutorial's
  and the default) and 256; predict throughput; the FLOP floor. Variants run interleaved,
  round by round, so that the machine's drift hits them alike: compare the ratios.
- windowing: the window view of 10^7 rows (time, extra memory), next to the tutorial's loop.
- e2e: the default S&P 500 run (`tsadlab-train`), wall time, stage shares and peak memory;
  and the same run on TensorFlow.
- scale: `experiment=long_series` at each size: wall time, seconds per million rows, peak
  memory.
- table: with `--table`, the Keras backends ranked by the training times just measured (the
  sum of the median epoch times over the batch sizes) are written into that JSON file for
  this hardware (cpu or gpu) and the recurrent family; `backend=auto` reads it.
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
WORKERS = HERE / "workers.py"
BACKENDS = ("jax", "tensorflow", "torch")
TRAIN_BATCHES = (32, 256)
QUIET = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}


def child(command: list[str], cwd: Path | None = None) -> tuple[str, float, float]:
    """Run a command; its stdout, wall seconds and peak resident memory in MB (when run
    through `measured`, else NaN)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=QUIET)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed ({' '.join(command)}):\n{done.stderr[-3000:]}")
    peaks = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("PEAK_RSS")]
    return done.stdout, wall, int(peaks[-1]) / 1024 if peaks else float("nan")


def measured(command: list[str], cwd: Path | None = None) -> tuple[str, float, float]:
    """`child` through a small wrapper that reports the command's own peak memory."""
    wrapper = (
        "import resource, subprocess, sys; "
        "code = subprocess.call(sys.argv[1:]); "
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
        "print('PEAK_RSS_KB', peak, file=sys.stderr); sys.exit(code)"
    )
    return child([sys.executable, "-c", wrapper, *command], cwd)


def installed_backends() -> list[str]:
    return [b for b in BACKENDS if importlib.util.find_spec(b) is not None]


def training(
    rounds: int, epochs: int, backends: list[str], stock: bool, predict: bool, folder: Path
) -> dict:
    """Every variant's epoch times, interleaved over `rounds`: Keras on each of `backends`
    with tsadlab's layers (and, with `stock`, with Keras' own LSTM where they differ), and
    the hand-written PyTorch loop."""
    variants = [("keras", b, batch) for batch in TRAIN_BATCHES for b in backends]
    if stock:
        variants += [
            ("keras-stock", b, batch)
            for batch in TRAIN_BATCHES
            for b in backends
            if b != "tensorflow"
        ]
    if importlib.util.find_spec("torch") is not None:
        variants += [("torch", "handwritten", batch) for batch in TRAIN_BATCHES]
    results: dict[str, dict] = {}
    for r in range(rounds):
        for kind, backend, batch in variants:
            name = f"{kind}:{backend}:{batch}"
            args = ["keras" if kind.startswith("keras") else kind]
            args += ["--batch", str(batch), "--epochs", str(epochs)]
            if kind.startswith("keras"):
                args += ["--backend", backend]
            if kind == "keras-stock":
                args.append("--stock-layers")
            if not predict:
                args.append("--no-predict")
            print(f"  round {r + 1}/{rounds}: {name}", flush=True)
            out, _, peak = measured([sys.executable, str(WORKERS), *args])
            result = json.loads(out.strip().splitlines()[-1])
            slot = results.setdefault(
                name,
                {"kind": kind, "backend": backend, "batch": batch, "epoch_s": [], "peak_mb": []},
            )
            slot["epoch_s"] += result["epoch_s"][1:]  # the first epoch compiles
            slot["peak_mb"].append(peak)
            # every worker's times kept as they come: a later failure loses nothing
            (folder / "training_partial.json").write_text(json.dumps(results, indent=2))
            for key, value in result.items():
                if key.startswith("predict_wps"):
                    slot.setdefault(key, []).append(value)
    for slot in results.values():
        slot["median_epoch_s"] = statistics.median(slot["epoch_s"])
        for key in [k for k in slot if k.startswith("predict_wps")]:
            slot[key] = statistics.median(slot[key])
        slot["peak_mb"] = max(slot["peak_mb"])
    out, _, _ = child([sys.executable, str(WORKERS), "gemm"])
    gemm = json.loads(out.strip().splitlines()[-1])["gflops"]
    return {"variants": results, "gemm_gflops": gemm, "floor": flop_floor(gemm)}


def write_backend_table(path: Path, training_results: dict, command: str) -> dict:
    """Rank the Keras backends just measured (tsadlab's layers) for this hardware's recurrent
    models, and keep the file's other entries; returns the entry written."""
    from tsadlab.backend_choice import hardware, speed_table

    seconds: dict[str, float] = {}
    for slot in training_results["variants"].values():
        if slot["kind"] == "keras":
            seconds[slot["backend"]] = seconds.get(slot["backend"], 0.0) + slot["median_epoch_s"]
    ranking = sorted(seconds, key=seconds.get)
    per_batch = "; ".join(
        f"{slot['backend']}@{slot['batch']}: {slot['median_epoch_s']:.2f}"
        for slot in training_results["variants"].values()
        if slot["kind"] == "keras"
    )
    entry = {
        "ranking": ranking,
        "measured": f"{datetime.now():%Y-%m-%d}, {command}; s/epoch {per_batch}",
    }
    table = speed_table(path)
    table.setdefault(hardware(), {})["recurrent"] = entry
    path.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    return entry


def lstm_flops(units_in: int, units: int, steps: int) -> int:
    """Forward multiply-adds x 2 of one LSTM layer over one window (4 gates)."""
    return 2 * steps * (units_in + units) * 4 * units


def flop_floor(gemm: dict) -> dict:
    """Seconds per epoch (and windows per second) if the tutorial model's FLOPs ran at the
    machine's best measured matrix-multiply rate. Training is ~3x the forward FLOPs
    (forward, and the two products of the backward pass); validation is forward only."""
    window, units, train, val = 30, 128, 5870, 653
    forward = lstm_flops(1, units, window) + lstm_flops(units, units, window) + 2 * units * window
    rate = max(gemm.values()) * 1e9
    return {
        "forward_flops_per_window": forward,
        "epoch_s": (3 * forward * train + forward * val) / rate,
        "predict_wps": rate / forward,
    }


def windowing(rows: int = 10_000_000) -> dict:
    from tsadlab.data.windows import model_windows

    values = np.random.default_rng(0).standard_normal((rows, 1)).astype(np.float32)
    tracemalloc.start()
    start = time.perf_counter()
    x, _ = model_windows(values, 30, "reconstruction")
    view_s = time.perf_counter() - start
    _, view_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # the tutorial's create_dataset: a Python loop of DataFrame.iloc slices, then np.array
    loop_rows = 20_000
    frame = pd.DataFrame(values[:loop_rows], columns=["close"])
    start = time.perf_counter()
    inputs, targets = [], []
    for i in range(loop_rows - 30):
        inputs.append(frame.iloc[i : i + 30].values)
        targets.append(frame["close"].iloc[i + 30])
    np.array(inputs), np.array(targets)
    loop_s = (time.perf_counter() - start) * 1e6 / loop_rows
    return {
        "rows": rows,
        "windows": len(x),
        "view_s": view_s,
        "view_extra_bytes": view_peak,
        "materialised_bytes": x.size * 4,
        "tutorial_loop_s_per_million": loop_s,
    }


def train_cli(overrides: list[str], folder: Path) -> dict:
    run_dir = folder / "run"
    command = [
        str(Path(sys.executable).with_name("tsadlab-train")),
        *overrides,
        f"hydra.run.dir={run_dir}",
        f"trainer.resume_dir={folder / 'resume'}",
        "trainer.verbose=0",
    ]
    _, wall, peak = measured(command, cwd=folder)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    return {"wall_s": wall, "peak_mb": peak, "timings_s": metrics["timings_s"], "metrics": metrics}


def end_to_end() -> dict:
    results = {}
    for name, overrides in (
        ("default (jax)", []),
        ("default on tensorflow", ["backend=tensorflow"]),
    ):
        print(f"  e2e: {name}", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            run = train_cli(overrides, Path(folder))
        total = run["timings_s"]["total"]
        results[name] = {
            "wall_s": run["wall_s"],
            "peak_mb": run["peak_mb"],
            "epochs": run["metrics"]["training"]["epochs_run"],
            "timings_s": run["timings_s"],
            "share": {k: v / total for k, v in run["timings_s"].items() if k != "total"},
        }
    return results


def scale(sizes: list[int]) -> dict:
    results = {}
    for rows in sizes:
        print(f"  scale: {rows:,} rows", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            run = train_cli(["experiment=long_series", f"data.length={rows}"], Path(folder))
        results[str(rows)] = {
            "wall_s": run["wall_s"],
            "peak_mb": run["peak_mb"],
            "timings_s": run["timings_s"],
            "s_per_million_rows": run["wall_s"] / rows * 1e6,
        }
    return results


def print_tables(results: dict) -> None:
    if "training" in results:
        t = results["training"]
        floor = t["floor"]
        v = t["variants"]
        print("\n## Training and scoring, the tutorial's model (6523 windows of 30)\n")
        torch_ref = {b: v.get(f"torch:handwritten:{b}") for b in TRAIN_BATCHES}
        print(
            "| variant | batch | s/epoch (median) | x hand-written PyTorch | x FLOP floor "
            "| predict windows/s @256 | @1024 | unrolled copy @1024 | peak MB |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for slot in sorted(v.values(), key=lambda s: (s["batch"], s["median_epoch_s"])):
            ref = torch_ref[slot["batch"]]
            ratio = slot["median_epoch_s"] / ref["median_epoch_s"] if ref else float("nan")
            label = {
                "torch": "hand-written PyTorch",
                "keras": f"Keras on {slot['backend']}",
                "keras-stock": f"Keras on {slot['backend']}, Keras' own LSTM",
            }[slot["kind"]]
            print(
                f"| {label} | {slot['batch']} | {slot['median_epoch_s']:.2f} | {ratio:.2f} "
                f"| {slot['median_epoch_s'] / floor['epoch_s']:.2f} "
                f"| {slot.get('predict_wps_256', float('nan')):,.0f} "
                f"| {slot.get('predict_wps_1024', float('nan')):,.0f} "
                f"| {slot.get('predict_wps_unrolled_1024', float('nan')):,.0f} "
                f"| {slot['peak_mb']:.0f} |"
            )
        gemm = ", ".join(f"{k}: {g:.0f}" for k, g in t["gemm_gflops"].items())
        print(
            f"\nFLOP floor: {floor['epoch_s']:.2f} s/epoch, {floor['predict_wps']:,.0f} windows/s "
            f"({floor['forward_flops_per_window'] / 1e6:.1f} MFLOP per window forward; best "
            f"GEMM GFLOP/s {gemm})"
        )
    if "windowing" in results:
        w = results["windowing"]
        print("\n## Windowing\n")
        print(
            f"{w['windows']:,} windows of 30 from {w['rows']:,} rows: view in "
            f"{w['view_s'] * 1000:.3f} ms, {w['view_extra_bytes']:,} bytes extra "
            f"(materialised: {w['materialised_bytes'] / 2**30:.1f} GiB); the tutorial's loop: "
            f"{w['tutorial_loop_s_per_million']:.1f} s per million rows"
        )
    if "e2e" in results:
        print("\n## The default S&P 500 run, end to end\n")
        stages = (
            "load",
            "prepare",
            "window",
            "train",
            "score",
            "threshold",
            "figures",
            "artifacts",
        )
        print("| run | wall s | epochs | peak MB | " + " | ".join(stages) + " |")
        print("|---|---|---|---|" + "---|" * len(stages))
        for name, r in results["e2e"].items():
            shares = " | ".join(f"{r['share'].get(s, 0):.0%}" for s in stages)
            print(f"| {name} | {r['wall_s']:.1f} | {r['epochs']} | {r['peak_mb']:.0f} | {shares} |")
    if "scale" in results:
        print("\n## Long series (experiment=long_series), end to end\n")
        print("| rows | wall s | s per million rows | peak MB | train s | score s | artifacts s |")
        print("|---|---|---|---|---|---|---|")
        for rows, r in results["scale"].items():
            t = r["timings_s"]
            print(
                f"| {int(rows):,} | {r['wall_s']:.1f} | {r['s_per_million_rows']:.1f} "
                f"| {r['peak_mb']:.0f} | {t['train']:.1f} | {t['score']:.1f} "
                f"| {t['artifacts']:.1f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--sizes", default="1e5,1e6,1e7")
    parser.add_argument("--skip", default="", help="comma-separated: training,windowing,e2e,scale")
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--backends", default=",".join(installed_backends()), help="Keras backends to train on"
    )
    parser.add_argument(
        "--no-stock", action="store_true", help="skip the variants with Keras' own LSTM layers"
    )
    parser.add_argument(
        "--no-predict", action="store_true", help="time training only (no predict throughput)"
    )
    parser.add_argument(
        "--table", type=Path, help="write the measured backend ranking into this JSON table"
    )
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    unknown = sorted(set(backends) - set(installed_backends()))
    if unknown:
        parser.error(
            f"--backends: {', '.join(unknown)} not installed "
            f"(installed: {', '.join(installed_backends())})"
        )
    skip = set(filter(None, args.skip.split(",")))
    out = args.out or Path("outputs/benchmarks") / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    out.mkdir(parents=True, exist_ok=True)
    from tsadlab.backend_choice import hardware

    results: dict = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "hardware": hardware(),
        "gpus": gpu_names(),
    }
    steps = {
        "training": lambda: training(
            args.rounds, args.epochs, backends, not args.no_stock, not args.no_predict, out
        ),
        "windowing": windowing,
        "e2e": end_to_end,
        "scale": lambda: scale([int(float(s)) for s in args.sizes.split(",")]),
    }
    for name, step in steps.items():
        if name in skip:
            continue
        print(f"{name} ...", flush=True)
        start = time.perf_counter()
        results[name] = step()
        results[f"{name}_seconds"] = time.perf_counter() - start
        (out / "results.json").write_text(json.dumps(results, indent=2))
    print_tables(results)
    if args.table and "training" in results:
        command = "experiments/benchmarks/run.py " + " ".join(sys.argv[1:])
        entry = write_backend_table(args.table, results["training"], command)
        print(f"\nbackend ranking for {results['hardware']}: {entry['ranking']} -> {args.table}")
    print(f"\nresults: {out / 'results.json'}")


def gpu_names() -> list[str]:
    """The GPUs nvidia-smi lists (none without a driver)."""
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line for line in listed.stdout.splitlines() if line.strip()]


if __name__ == "__main__":
    main()
