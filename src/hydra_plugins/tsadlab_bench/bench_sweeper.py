"""tsadlab-bench's sweeper as a Hydra plugin: Hydra instantiates sweepers only from the
`hydra_plugins` package, and imports every module there whenever any Hydra app starts. So
this module stays light: the code is `tsadlab.bench.sweeper`, imported when a benchmark
runs, not when another Hydra app (or `tsadlab-train`) starts."""

from typing import Any

from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig


class BenchSweeper(Sweeper):
    """See `tsadlab.bench.sweeper.BenchSweeper`; this class hands every call to it."""

    def __init__(self, max_batch_size: int | None = None, params: Any = None) -> None:
        from tsadlab.bench.sweeper import BenchSweeper as Implementation

        self.implementation = Implementation(max_batch_size, params)

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.implementation.setup(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> Any:
        return self.implementation.sweep(arguments)
