"""The `bench` config of `tsadlab-bench`: which methods run, with which seeds, ranked by which
metric, placed against which published table. The data (a collection and its file list)
and the protocol are the run config's own keys, set by the benchmark's file
(`conf/benchmark/<name>.yaml`)."""

from dataclasses import dataclass, field

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf, open_dict

from tsadlab.artifacts import SAFE_NAME
from tsadlab.config import RunConfig, absolute_paths
from tsadlab.errors import ConfigError
from tsadlab.metrics import directed_columns


@dataclass
class BenchConfig:
    """A benchmark: methods (a name -> overrides of the run config), seeds, the ranked
    metric and, optionally, a published per-series table (TSB-AD's layout) to place the
    methods in."""

    name: str = MISSING  # outputs/bench/<name>/
    methods: dict[str, list[str]] = MISSING  # e.g. {iforest: [model=isolation_forest]}
    seeds: list[int] = field(default_factory=lambda: [0])
    metric: str = "vus_pr"  # a per-series column of metrics.json's labeled block
    # TSB-AD-U, TSB-AD-M (TSB-AD's published tables, shipped) or a file in their layout
    published: str | None = None
    max_attempts: int = 3  # a job failed this often under the same settings is not rerun
    rerun_stale: bool = False  # rerun finished jobs whose settings have changed since
    # set by the benchmark for each of its jobs, never by hand
    method: str | None = None
    series: str | None = None
    fingerprint: str | None = None

    def __post_init__(self) -> None:
        if not self.methods:
            raise ConfigError("Received: bench.methods={} (name at least one method)")
        for method, overrides in self.methods.items():
            if not SAFE_NAME.fullmatch(method):
                raise ConfigError(
                    f"Received: bench.methods.{method} (a method's name becomes a folder: "
                    "letters, digits and _.+=- only)"
                )
            if any("=" not in str(o) for o in overrides):
                raise ConfigError(
                    f"Received: bench.methods.{method}={list(overrides)} (each entry is an "
                    "override of the run config, e.g. model=lstm_ae or trainer.epochs=5)"
                )
        if self.max_attempts < 1:
            raise ConfigError(f"Received: bench.max_attempts={self.max_attempts} (at least 1)")
        if not self.seeds or len(set(self.seeds)) < len(self.seeds):
            raise ConfigError(f"Received: bench.seeds={list(self.seeds)} (distinct seeds)")
        columns = directed_columns()
        if self.metric not in columns:
            raise ConfigError(
                f"Received: bench.metric={self.metric} (one of {', '.join(sorted(columns))})"
            )
        if self.method is not None and self.method not in self.methods:
            raise ConfigError(
                f"Received: bench.method={self.method} (one of {', '.join(self.methods)})"
            )


@dataclass
class BenchRunConfig(RunConfig):
    """The run config of every job, plus the benchmark that made it."""

    bench: BenchConfig = MISSING


def register_bench_configs() -> None:
    """Store the benchmark schemas in Hydra's ConfigStore (idempotent)."""
    cs = ConfigStore.instance()
    cs.store(name="base_bench", node=BenchRunConfig)


def split_bench_config(config: DictConfig) -> tuple[BenchConfig, dict]:
    """A composed benchmark config (the planner's, with its `hydra` node, or a job's) as the
    benchmark's own keys, checked, and the run config as plain data with its paths made
    absolute (every job and the planner see the same run config)."""
    cfg = OmegaConf.create(OmegaConf.to_container(config, resolve=False))
    with open_dict(cfg):
        cfg.pop("hydra", None)
        bench = cfg.pop("bench")
    absolute_paths(cfg)
    bench = BenchConfig(**OmegaConf.to_container(bench, resolve=True))
    return bench, OmegaConf.to_container(cfg, resolve=True)
