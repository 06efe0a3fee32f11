"""The run directory: atomic writes, a status file, and loading what a finished run wrote.

Every file is written to a temporary name in the same folder and renamed into place, so a
crash leaves the previous file or none, never half of one. `status.json` says `running`,
`failed` or `finished`; it becomes `finished` only after every other artifact is in place.
"""

import contextlib
import json
import os
import re
import socket
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from tsadlab.errors import ArtifactError, ConfigError, TsadlabError
from tsadlab.runtime import Terminated

STATUS_FILE = "status.json"
# The `error` of a run stopped from outside (see failure_reason).
INTERRUPTIONS = ("interrupted", "terminated")
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
    # the temporary name keeps every suffix: Keras checks for `.keras` and `.weights.h5`
    suffix = "".join(path.suffixes)
    stem = path.name[: len(path.name) - len(suffix)]
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{stem}.", suffix=suffix)
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
    from tsadlab.runtime import tensorflow_hidden_from_keras

    with tensorflow_hidden_from_keras():
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
    kept = {k: previous[k] for k in ("started", "pid", "host") if k in previous}
    write_json(Path(run_dir) / STATUS_FILE, {"status": status, "time": now, **kept, **info})


def failure_reason(exc: BaseException) -> str:
    """What status.json says about a run (or a series) that `exc` stopped: one of
    INTERRUPTIONS when it was stopped from outside (what run_state reads as `interrupted`),
    a TsadlabError's own line, else the exception's type and message."""
    if isinstance(exc, KeyboardInterrupt | Terminated):
        return INTERRUPTIONS[isinstance(exc, Terminated)]
    if isinstance(exc, TsadlabError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def note_resumed(old_run_dir: Path, new_run_dir: Path) -> None:
    """Record in an interrupted run's status that `new_run_dir` continued its training."""
    status = read_status(old_run_dir)
    if status["status"] in ("missing", "finished"):
        return
    # only a cross-reference: the new run records where it resumed from in any case
    with contextlib.suppress(OSError):
        write_json(old_run_dir / STATUS_FILE, {**status, "resumed_in": str(new_run_dir)})


def this_process() -> dict:
    """The process id and host that status and lock files record."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def process_alive(record: dict) -> bool:
    """Whether the process a record names still runs (on another host: assumed to)."""
    if record.get("host") != socket.gethostname():
        return True
    try:
        os.kill(int(record["pid"]), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, KeyError, TypeError, ValueError):
        return True
    return True


# What a run directory holds, as `run_state` names it.
RUN_STATES = ("finished", "failed", "interrupted", "incomplete", "running")


def run_state(run_dir: Path) -> str:
    """`finished`; `failed` (an error); `interrupted` (Ctrl-C or SIGTERM); `incomplete` (the
    process died without a word, or a file is missing); or `running` (its process is alive)."""
    status = read_status(run_dir)
    state = status["status"]
    if state == "finished":
        return "finished" if (Path(run_dir) / "metrics.json").exists() else "incomplete"
    if state == "failed":
        return "interrupted" if status.get("error") in INTERRUPTIONS else "failed"
    if state == "running" and "pid" in status and process_alive(status):
        return "running"
    return "incomplete"


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
        mark_status(run_dir, "running", **this_process())
    except OSError as exc:
        raise ArtifactError(f"cannot write to run directory {run_dir}: {exc.strerror}") from None
    return run_dir
