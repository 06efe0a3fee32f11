"""What resuming costs: seconds to save the training state after one epoch of the default
(tutorial-sized) model, next to that model's seconds per epoch.

python experiments/resume_overhead/measure.py [--saves 20]
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from tsadlab.cli.common import compose_config
from tsadlab.config import settings_of, to_run_config
from tsadlab.training.fit import new_model
from tsadlab.training.resume import TrainingBackup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        composed = compose_config([f"trainer.resume_dir={folder}"])
        cfg, s = to_run_config(composed), settings_of(composed)
        model = new_model(cfg.model, cfg.data.window, 1, cfg.seed, cfg.backend)
        x = np.random.default_rng(0).normal(size=(6523 - 653, 30, 1)).astype("float32")
        model.fit(x[:64], x[:64], epochs=1, verbose=0)  # build and compile the step
        start = time.perf_counter()
        model.fit(x, x, epochs=1, batch_size=cfg.trainer.batch_size, verbose=0)
        epoch = time.perf_counter() - start
        backup = TrainingBackup.open(s, "measure", Path(folder) / "run")
        history = [{"loss": 0.5, "val_loss": 0.4}] * 20
        stopping = {"wait": 0, "best": 0.4, "best_epoch": 0, "stopped_epoch": 0}
        seconds = []
        for epoch_number in range(1, args.saves + 1):
            start = time.perf_counter()
            backup.save(model, epoch_number, history, stopping, model.get_weights(), False)
            seconds.append(time.perf_counter() - start)
        backup.discard()
    save = float(np.median(seconds))
    print(f"model parameters         {model.count_params():,}")
    print(f"one epoch (5870 windows) {epoch:.2f} s")
    print(f"save the state, median   {save * 1000:.1f} ms of {args.saves} ({save / epoch:.2%})")


if __name__ == "__main__":
    main()
