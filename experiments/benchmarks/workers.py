"""Measurements that each need a fresh process (Keras fixes its backend at first import):
run by `run.py`, one JSON line on stdout each.

python experiments/benchmarks/workers.py keras --backend jax --batch 32 --epochs 4
python experiments/benchmarks/workers.py torch --batch 32 --epochs 4
python experiments/benchmarks/workers.py gemm
"""

import argparse
import json
import os
import time
from typing import Any

import numpy as np

PREDICT_BATCHES = (256, 1024)


def tutorial_windows() -> tuple[np.ndarray, np.ndarray, int, Any]:
    """The tutorial's windows (6523, 30, 1) with their next-row targets, and where its
    validation split starts, as tsadlab prepares them; and the tutorial's config."""
    from tsadlab.cli.common import compose_config
    from tsadlab.config import to_run_config
    from tsadlab.data.prepare import prepare
    from tsadlab.data.sources import load_dataset
    from tsadlab.data.windows import make_windows

    cfg = to_run_config(compose_config(["experiment=sp500_tutorial"]))
    dataset = load_dataset(cfg.data)
    prepared = prepare(dataset.load(dataset.names[0]), cfg.data)
    windows = make_windows(prepared, cfg.data.window, cfg.model.target, 1, 0.1)
    return windows.x_train, windows.y_train, windows.val_start, cfg


def keras_worker(
    backend: str, batch: int, epochs: int, stock_layers: bool = False, predict: bool = True
) -> dict:
    """tsadlab's own training path (fit_keras, the configured model) on `backend`; with
    `stock_layers`, the same model built from Keras' own LSTM layers instead of tsadlab's
    (fused under PyTorch, input-once decoder on JAX), to show what those gain."""
    from dataclasses import replace

    from tsadlab.runtime import load_keras

    keras = load_keras(backend)
    if stock_layers:
        from tsadlab.models import _recurrent_layers

        def stock(layer: type) -> Any:
            return lambda units, repeated_input=False, **kwargs: layer(units, **kwargs)

        _recurrent_layers.LSTM = stock(keras.layers.LSTM)
        _recurrent_layers.GRU = stock(keras.layers.GRU)
    from tsadlab.scoring.predict import unrolled_copy
    from tsadlab.training.data import fit_targets
    from tsadlab.training.fit import fit_keras, new_model

    x, y, at, cfg = tutorial_windows()
    model = new_model(cfg.model, cfg.data.window, 1, cfg.seed, backend)
    seconds: list[float] = []

    class EpochClock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            seconds.append(time.perf_counter() - self.start)

    targets = fit_targets(x, y)
    trainer = replace(cfg.trainer, epochs=epochs, batch_size=batch, patience=epochs, verbose=0)
    fit_keras(
        model,
        np.ascontiguousarray(x[:at]),
        np.ascontiguousarray(targets[:at]),
        (np.ascontiguousarray(x[at:]), np.ascontiguousarray(targets[at:])),
        trainer,
        epochs=epochs,
        callbacks=[EpochClock()],
    )
    windows = np.ascontiguousarray(x)
    # the scoring path of long series (trainer.predict_unroll_from): an unrolled copy
    unrolled = unrolled_copy(model)
    if not predict:
        return {"epoch_s": seconds}
    return {
        "epoch_s": seconds,
        **predict_rates(lambda b: model.predict(windows, b, verbose=0)),
        **predict_rates(lambda b: unrolled.predict(windows, b, verbose=0), "unrolled_"),
    }


def torch_worker(batch: int, epochs: int, predict_too: bool = True) -> dict:
    """The loop a user would write by hand: nn.LSTM encoder/decoder of the same sizes, MAE,
    Adam, dropout 0.2, the same windows and validation split, validation every epoch."""
    import torch

    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x, y, at, s = tutorial_windows()
    units, dropout = s.model.encoder_units[0], s.model.dropout
    xs = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    ys = torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32))[:, None, :].expand_as(xs)
    xs, ys = xs.to(device), ys.to(device)

    class LstmAutoencoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = torch.nn.LSTM(1, units, batch_first=True)
            self.decoder = torch.nn.LSTM(units, units, batch_first=True)
            self.drop = torch.nn.Dropout(dropout)
            self.out = torch.nn.Linear(units, 1)

        def forward(self, windows: torch.Tensor) -> torch.Tensor:
            _, (h, _) = self.encoder(windows)
            code = self.drop(h[-1]).unsqueeze(1).expand(-1, windows.shape[1], -1)
            steps, _ = self.decoder(code)
            return self.out(self.drop(steps))

    model = LstmAutoencoder().to(device)  # cuDNN's fused LSTM on a GPU, oneDNN's on a CPU
    optimizer = torch.optim.Adam(model.parameters(), lr=s.model.learning_rate)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        for i in range(0, at, batch):
            xb, yb = xs[i : min(i + batch, at)], ys[i : min(i + batch, at)]
            optimizer.zero_grad()
            loss = (model(xb) - yb).abs().mean()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for i in range(at, len(xs), batch):
                (model(xs[i : i + batch]) - ys[i : i + batch]).abs().mean().item()
        seconds.append(time.perf_counter() - start)

    def predict(b: int) -> None:
        with torch.no_grad():
            for i in range(0, len(xs), b):
                model(xs[i : i + b])
        if device.type == "cuda":
            torch.cuda.synchronize()

    model.eval()
    return {"epoch_s": seconds, **(predict_rates(predict) if predict_too else {})}


def predict_rates(predict: object, variant: str = "") -> dict:
    """Windows per second of a whole-set predict at each batch size (best of 3 after one
    warm-up call, which compiles)."""
    n = 6523
    rates = {}
    for batch in PREDICT_BATCHES:
        predict(batch)
        best = min(_timed(predict, batch) for _ in range(3))
        rates[f"predict_wps_{variant}{batch}"] = n / best
    return rates


def _timed(function: object, *args: object) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def gemm_worker() -> dict:
    """The machine's best float32 matrix-multiply rate (GFLOP/s) over numpy and JAX, at a
    large size and at the LSTM's own step size (batch 256 x 128 by 128 x 512)."""
    import jax
    import jax.numpy as jnp

    rates = {}
    for m, k, n in ((4096, 4096, 4096), (256, 128, 512), (32, 128, 512)):
        a = np.random.default_rng(0).random((m, k), dtype=np.float32)
        b = np.random.default_rng(1).random((k, n), dtype=np.float32)
        repeats = max(3, int(4e10 / (2 * m * k * n)))
        multiply = jax.jit(jnp.matmul)
        ja, jb = jnp.asarray(a), jnp.asarray(b)
        multiply(ja, jb).block_until_ready()

        def run_jax(ja=ja, jb=jb, multiply=multiply, repeats=repeats) -> None:
            for _ in range(repeats):
                out = multiply(ja, jb)
            out.block_until_ready()

        def run_numpy(a=a, b=b, repeats=repeats) -> None:
            for _ in range(repeats):
                a @ b

        best = min(min(_timed(run_jax) for _ in range(3)), min(_timed(run_numpy) for _ in range(3)))
        rates[f"{m}x{k}x{n}"] = 2 * m * k * n * repeats / best / 1e9
    return {"gflops": rates}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("keras", "torch", "gemm"))
    parser.add_argument("--backend", default="jax")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--stock-layers", action="store_true", help="Keras' own LSTM layers")
    parser.add_argument("--no-predict", action="store_true", help="time training only")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.kind == "keras":
        result = keras_worker(
            args.backend, args.batch, args.epochs, args.stock_layers, not args.no_predict
        )
    elif args.kind == "torch":
        result = torch_worker(args.batch, args.epochs, not args.no_predict)
    else:
        result = gemm_worker()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
