"""The `logger` config group: which trackers record a run, each under its own key.

`logger` is a list of choices, so several trackers can be on at once:
`logger=mlflow`, `logger=[mlflow,tensorboard]`; `logger=none` (the default) records nothing
beyond the run folder. Each choice sets its own node (`logger.mlflow.*`,
`logger.tensorboard.*`), the shape lightning-hydra-template's users know.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from hydra.core.config_store import ConfigStore
from hydra.utils import to_absolute_path

from tsadlab.errors import ConfigError

# Where `logger=mlflow` writes when neither the config nor $MLFLOW_TRACKING_URI names a store:
# an SQLite database beside the run folders of the command's outputs/.
DEFAULT_STORE = "sqlite:///outputs/mlflow.db"
CREDENTIAL_VARIABLES = (
    "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN"
)


@dataclass
class MlflowConfig:
    """MLflow tracking: a run per run, a parent run per sweep and search."""

    # null: $MLFLOW_TRACKING_URI, else sqlite:///outputs/mlflow.db where the command runs;
    # http(s)://host:port for a tracking server. Never put credentials here: config.yaml is
    # saved in every run folder. MLflow reads them from its own environment variables.
    tracking_uri: str | None = None
    experiment: str | None = None  # null: the run's `name` (outputs/<name>/)
    artifacts: bool = True  # the run folder's figures and tables
    log_model: bool = False  # model.keras too
    # a larger table (the scores of a long series) stays in the run folder only
    max_artifact_mb: float = 50.0

    def __post_init__(self) -> None:
        if self.tracking_uri and credentials_in(self.tracking_uri):
            raise ConfigError(
                "Received: logger.mlflow.tracking_uri with a user name or password (config.yaml "
                "is saved in every run folder); set MLFLOW_TRACKING_URI in the environment "
                f"instead, or {CREDENTIAL_VARIABLES} for a server"
            )
        if self.max_artifact_mb < 0:
            raise ConfigError(
                f"Received: logger.mlflow.max_artifact_mb={self.max_artifact_mb} (must be >= 0)"
            )


@dataclass
class TensorBoardConfig:
    """TensorBoard: Keras' loss curves under <run>/tensorboard, and the run's settings and
    headline metrics for the HParams tab (`tensorboard --logdir outputs`)."""

    hparams: bool = True


@dataclass
class LoggerConfig:
    """The trackers that are on: each chosen one has its node, the others are null."""

    mlflow: MlflowConfig | None = None
    tensorboard: TensorBoardConfig | None = None


LOGGERS = {"mlflow": MlflowConfig, "tensorboard": TensorBoardConfig}


def register_logger_configs() -> None:
    """Store each logger as an option of the `logger` group, and `none` (idempotent): an
    option sets only its own key, so that a list of options merges into one node."""
    cs = ConfigStore.instance()
    cs.store(group="logger", name="none", node={})
    for name, schema in LOGGERS.items():
        cs.store(group="logger", name=name, node={name: schema})


def credentials_in(uri: str) -> bool:
    """Whether a URI carries a user name or password (`scheme://user:secret@host`)."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    return bool(parts.username or parts.password)


def without_credentials(uri: str) -> str:
    """`uri` with any user name and password removed: what run folders may record."""
    if not credentials_in(uri):
        return uri
    parts = urlsplit(uri)
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=host).geturl()


def tracking_uri(configured: str | None) -> str:
    """The store a run logs to: the config's, else $MLFLOW_TRACKING_URI, else the SQLite
    file under outputs/; a relative SQLite or file path made absolute against where the
    command runs, so that every job of a sweep finds the same store."""
    uri = configured or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_STORE
    if uri.startswith("sqlite:///"):
        path = uri.removeprefix("sqlite:///")
        return uri if path.startswith("/") else f"sqlite:///{_absolute(path)}"
    if "://" not in uri:  # a folder: MLflow's file store
        return _absolute(uri)
    return uri


def _absolute(path: str) -> str:
    # relative to where the command runs (Hydra's original working directory)
    return os.path.normpath(to_absolute_path(os.path.expanduser(path)))


def local_artifact_location(uri: str) -> str | None:
    """Where an embedded SQLite store keeps its experiments' artifacts: `mlartifacts/`
    beside the database file (MLflow would use ./mlruns where the process runs); None for a
    server, which stores them where it is configured to."""
    if not uri.startswith("sqlite:///"):
        return None
    return (Path(uri.removeprefix("sqlite:///")).parent / "mlartifacts").as_uri()


def how_to_see(uri: str) -> str:
    """The `mlflow ui` option that shows this store: a server is opened in a browser."""
    if uri.startswith(("http://", "https://")):
        return f"open {uri} in a browser"
    return f"mlflow ui --backend-store-uri {uri}"
