"""The run directory: atomic writes, a status file, and loading what a finished run wrote.

Every file is written to a temporary name in the same folder and renamed into place, so a
crash leaves the previous file or none, never half of one. `status.json` says `running`,
`failed` or `finished`; it becomes `finished` only after every other artifact is in place.
"""

import json
import os
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from tsadlab.errors import ArtifactError, ConfigError

STATUS_FILE = "status.json"
# A name from config that becomes one file or folder name: no separators, no "..".
SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+=-]*")


def safe_name(value: str, key: str) -> str:
    """`value` if it is a plain file or folder name, so that a config value cannot place
    artifacts outside their folder (`../x`, `/etc/x`); else a one-line ConfigError."""
    if not SAFE_NAME.fullmatch(str(value)) or ".." in str(value):
        raise ConfigError(
            f"Received: {key}={value!r} (must be a plain name: letters, digits and . _ + = -, "
            "not starting with '.', no '/' and no '..')"
        )
    return str(value)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files 0600; artifacts get the mode a plain open() would give them.
FILE_MODE = 0o666 & ~_current_umask()


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp)` for a temporary sibling of `path`, then rename it onto `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    """Write text atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: Path, data: Any) -> Path:
    """Write indented JSON atomically (NaN is not valid JSON, so it is refused)."""
    text = json.dumps(data, indent=2, default=str, allow_nan=False) + "\n"
    return write_text(path, text)


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """Write a table as CSV atomically, without the index."""
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))


def save_keras_model(path: Path, model: Any) -> Path:
    """Save a Keras model as `.keras` atomically (Keras insists on the suffix)."""
    return write_atomic(path, lambda tmp: model.save(tmp))


def read_status(run_dir: Path) -> dict:
    """The run's status record, or {'status': 'missing'} where none was written."""
    path = Path(run_dir) / STATUS_FILE
    if not path.exists():
        return {"status": "missing"}
    return json.loads(path.read_text(encoding="utf-8"))


def mark_status(run_dir: Path, status: str, **info: Any) -> None:
    """Record `running`, `failed` or `finished` with a UTC time and any details; a run's
    start time and process id are kept, so that jobs of a sweep show when and where they ran."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    previous = read_status(run_dir) if status != "running" else {"started": now}
    kept = {k: previous[k] for k in ("started", "pid") if k in previous}
    write_json(Path(run_dir) / STATUS_FILE, {"status": status, "time": now, **kept, **info})


def start_run_dir(run_dir: Path) -> Path:
    """Make sure `run_dir` is writable and holds no finished run, and mark it running."""
    run_dir = Path(run_dir)
    if read_status(run_dir)["status"] == "finished":
        raise ArtifactError(
            f"run directory {run_dir} already holds a finished run; choose another "
            "(hydra.run.dir=...) or remove it"
        )
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        mark_status(run_dir, "running", pid=os.getpid())
    except OSError as exc:
        raise ArtifactError(f"cannot write to run directory {run_dir}: {exc.strerror}") from None
    return run_dir
