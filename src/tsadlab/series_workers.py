"""A collection's series run side by side in worker processes.

The parent hands each worker one series at a time and gathers what comes back; a worker
runs `members.member_outcome` for its series, exactly what the parent runs for each series when
`workers=1`: its own series/<name>/ folder and status, a finished series kept, a series
that fails with a TsadlabError recorded as failed. The parent then writes the collection's
tables as the one-process path does, from the outcomes in the dataset's order.

- Workers are started with `spawn`, never `fork`: a forked copy of a process whose JAX,
  TensorFlow or OpenMP threads are running can deadlock on the locks it copied held.
- Each worker's thread limits (`parallel.thread_environment`) are in its environment from
  its first instruction, before anything it imports starts a thread pool.
- Ctrl-C or SIGTERM in the parent reaches every worker (once: a Ctrl-C at a terminal also
  reaches them directly); each marks its series interrupted, keeping its training state
  for a resume, and the parent waits for them, killing any that does not stop within
  STOP_SECONDS. On Linux a worker also gets SIGTERM if the parent itself is killed.
- A worker that dies without a word (killed, out of memory) fails the run with one line.
- Workers log through the parent's logging (a queue), each line prefixed by its series.
"""

import contextlib
import ctypes
import logging
import logging.handlers
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from tsadlab import artifacts
from tsadlab.errors import WorkerError
from tsadlab.parallel import environment_set, thread_environment
from tsadlab.runtime import Terminated, raise_if_terminated, sigterm_stops_the_run

log = logging.getLogger(__name__)

# How long stopped workers get to mark their series and save their training state.
STOP_SECONDS = 30
SHARED_PLOTLY_JS = ".plotly.min.js"  # in the run's folder while its workers run
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


@dataclass
class Worker:
    """One worker process, its end of the pipe and the series it runs now."""

    process: BaseProcess
    connection: Connection
    series: str | None = None
    number: int = 0  # the series' place in the collection, from 1


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker process is started with (besides its pipe and the log queue)."""

    settings: bytes  # the run config, pickled (see start_workers)
    run_dir: str
    log_level: int
    parent: int  # the parent's process id
    threads: int
    plotly_js: str  # the parent's copy of plotly.min.js, which the series' pages link to


class RemoteTraceback(Exception):
    """The traceback of an error raised in a worker, shown as its cause."""


def run_in_workers(
    cfg: Any, names: Sequence[str], run_dir: Path, workers: int, threads: int
) -> dict[str, Any]:
    """Each of `names` run by one of `workers` processes with `threads` threads each; the
    `members.MemberOutcome` of every series, by name. Interruptions and errors in a worker stop
    all of them and propagate; series left unfinished are marked as such."""
    from tsadlab.figures.common import shared_plotly_js

    backend = cfg.backend.value
    context = multiprocessing.get_context("spawn")
    logs = LogRelay(context.Queue())
    pool: list[Worker] = []
    plotly_js = shared_plotly_js(run_dir / SHARED_PLOTLY_JS)
    try:
        setup = WorkerSetup(
            # pickled here, unpickled in the worker after its plugins are imported: a
            # plugin's component class can only be found then
            pickle.dumps(cfg),
            str(run_dir),
            logging.getLogger().getEffectiveLevel(),
            os.getpid(),
            threads,
            str(plotly_js),
        )
        environment = thread_environment(threads, backend)
        start_workers(pool, context, setup, logs.queue, workers, environment)
        return gather(pool, names)
    except BaseException as exc:
        stop_workers(pool, exc, run_dir)
        raise
    finally:
        end_workers(pool)
        logs.stop()
        plotly_js.unlink(missing_ok=True)  # every series' folder keeps its link to it


def start_workers(
    pool: list[Worker],
    context: Any,
    setup: WorkerSetup,
    logs: Any,
    workers: int,
    environment: dict[str, str],
) -> None:
    """Start `workers` processes into `pool` (one by one: an interruption meanwhile stops
    those started), each with `environment` from its first instruction."""
    with environment_set(environment):
        for number in range(1, workers + 1):
            parent_end, worker_end = context.Pipe()
            process = context.Process(
                target=serve,
                args=(worker_end, logs, setup),
                name=f"tsadlab-series-worker-{number}",
            )
            process.start()
            worker_end.close()  # the parent reads EOF on its end once the worker is gone
            pool.append(Worker(process, parent_end))
    log.info(
        "%d worker processes, %d threads each for numpy and scikit-learn", workers, setup.threads
    )


def gather(pool: list[Worker], names: Sequence[str]) -> dict[str, Any]:
    """Hand out the series one at a time and collect every outcome."""
    waiting = deque(enumerate(names, 1))
    outcomes: dict[str, Any] = {}
    for worker in pool:
        hand_next(worker, waiting, len(names))
    while busy := [worker for worker in pool if worker.series is not None]:
        raise_if_terminated()
        ready = wait([worker.connection for worker in busy])
        for worker in busy:
            if worker.connection in ready:
                outcome = receive(worker)
                outcomes[outcome.name] = outcome
                log.info(
                    "series %d of %d done: %s%s",
                    worker.number,
                    len(names),
                    outcome.name,
                    outcome.headline(),
                )
                worker.series = None
                hand_next(worker, waiting, len(names))
    return outcomes


def hand_next(worker: Worker, waiting: deque, total: int) -> None:
    """Send the worker the next series, if any is left."""
    if not waiting:
        return
    worker.number, worker.series = waiting.popleft()
    log.info("series %d of %d: %s", worker.number, total, worker.series)
    worker.connection.send(worker.series)


def receive(worker: Worker) -> Any:
    """The worker's outcome for its series; what stopped it, raised here."""
    try:
        kind, payload, *detail = worker.connection.recv()
    except (EOFError, OSError):  # the pipe closed: the process is gone
        worker.process.join(timeout=5)
        raise WorkerError(died_line(worker)) from None
    if kind == "outcome":
        return payload
    if kind == "stopped":  # a signal that reached the worker and not this process
        raise KeyboardInterrupt() if payload == artifacts.INTERRUPTIONS[0] else Terminated()
    raise payload from RemoteTraceback(detail[0] if detail else "")


def died_line(worker: Worker) -> str:
    """One line for a worker that died without a word."""
    code = worker.process.exitcode
    if code == -signal.SIGKILL:
        how = "killed by SIGKILL, as by the kernel when memory runs out"
    elif code is not None and code < 0:
        how = f"killed by {signal.Signals(-code).name}"
    else:
        how = f"exit status {code}" if code is not None else "its pipe closed"
    return (
        f"the worker process running series {worker.series} died ({how}); the run stopped "
        "(the same command resumes it, keeping the finished series)"
    )


def stop_workers(pool: list[Worker], exc: BaseException, run_dir: Path) -> None:
    """Stop every worker as `exc` stopped the parent (Ctrl-C: SIGINT, else SIGTERM), wait
    up to STOP_SECONDS for them to mark their series, kill the rest; a series whose worker
    could not mark it is marked here."""
    signum = signal.SIGINT if isinstance(exc, KeyboardInterrupt) else signal.SIGTERM
    for worker in pool:
        if worker.process.is_alive():  # never a reaped one's id, which may name another
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.process.pid, signum)
    deadline = time.monotonic() + STOP_SECONDS
    for worker in pool:
        worker.process.join(max(0.0, deadline - time.monotonic()))
        if worker.process.is_alive():
            log.warning("worker %s did not stop in %d s: killed", worker.process.name, STOP_SECONDS)
            worker.process.kill()
            worker.process.join()
    for worker in pool:
        if worker.series is not None:
            mark_unfinished(run_dir / "series" / worker.series, artifacts.failure_reason(exc))


def mark_unfinished(series_dir: Path, reason: str) -> None:
    """Mark a series still marked running (its worker died or was killed) as failed."""
    if artifacts.read_status(series_dir)["status"] == "running":
        with contextlib.suppress(OSError):
            artifacts.mark_status(series_dir, "failed", error=reason)


def end_workers(pool: list[Worker]) -> None:
    """Tell idle workers to exit and wait for them (killing any that hangs)."""
    for worker in pool:
        with contextlib.suppress(OSError, ValueError):
            worker.connection.send(None)
    for worker in pool:
        worker.process.join(STOP_SECONDS)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.connection.close()


class LogRelay:
    """Hands the workers' log records to the parent's logger of the same name, so that they
    go wherever the parent's logging sends its own (console, Hydra's log file). A thread of
    its own that is never waited on for long: a worker killed while writing a record can
    leave the queue unreadable."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.thread = threading.Thread(target=self.relay, name="tsadlab-worker-logs", daemon=True)
        self.thread.start()

    def relay(self) -> None:
        while (record := self.queue.get()) is not None:
            logging.getLogger(record.name).handle(record)

    def stop(self) -> None:
        """Relay what is queued, then stop."""
        with contextlib.suppress(OSError, ValueError):
            self.queue.put(None)
        self.thread.join(timeout=5)


class SeriesPrefix(logging.Filter):
    """Prefixes a worker's log lines with the series it runs."""

    series: str | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if self.series is not None:
            record.msg, record.args = f"[{self.series}] {record.getMessage()}", None
        return True


def serve(connection: Connection, logs: Any, setup: WorkerSetup) -> None:
    """A worker process: run each series the parent sends, until it sends None."""
    die_with_parent(setup.parent)
    signals = StopSignals()
    signals.install(signal.default_int_handler)
    prefix = route_logging(logs, setup.log_level)
    run_dir, name = Path(setup.run_dir), None
    try:
        cfg, dataset, member_outcome = prepare_worker(setup)
        with sigterm_stops_the_run():
            signals.install(signal.getsignal(signal.SIGTERM))
            while (name := connection.recv()) is not None:
                prefix.series = name
                connection.send(("outcome", member_outcome(cfg, dataset, name, run_dir)))
                prefix.series = name = None
    except (KeyboardInterrupt, Terminated):
        if name is not None:
            signals.relabel(run_dir / "series" / name)
        reply(connection, ("stopped", signals.reason()))
    except EOFError:  # the parent is gone
        return
    except BaseException as exc:
        reply(connection, ("error", exc, traceback.format_exc()))


class StopSignals:
    """A worker's Ctrl-C and SIGTERM. The first one stops it, both the way SIGTERM stops a
    run: `sigterm_stops_the_run`'s handler sets the flag that training checks, then raises.
    (On JAX a KeyboardInterrupt raised inside numpy's conversion of an array is swallowed
    and nothing else would stop the training.) Later ones are ignored: a Ctrl-C reaches a
    worker from the terminal and again from the parent, and a second exception would cut
    short the marking of the series."""

    def __init__(self) -> None:
        self.first: int | None = None

    def install(self, stop: Callable) -> None:
        """From now on the first SIGINT or SIGTERM calls `stop`."""

        def handle(signum: int, frame: object) -> None:
            if self.first is None:
                self.first = signum
                stop(signum, frame)

        signal.signal(signal.SIGINT, handle)
        signal.signal(signal.SIGTERM, handle)

    def reason(self) -> str:
        """What status.json says stopped the series (`artifacts.failure_reason`'s names)."""
        interrupted, terminated = artifacts.INTERRUPTIONS
        return interrupted if self.first in (None, signal.SIGINT) else terminated

    def relabel(self, series_dir: Path) -> None:
        """A series stopped by Ctrl-C, marked `terminated` by the SIGTERM machinery, is
        marked `interrupted`, as one run in one process would be."""
        status = artifacts.read_status(series_dir)
        if status.get("error") in artifacts.INTERRUPTIONS and status["error"] != self.reason():
            with contextlib.suppress(OSError):
                artifacts.mark_status(series_dir, "failed", error=self.reason())


def prepare_worker(setup: WorkerSetup) -> tuple[Any, Any, Callable]:
    """The run config, the dataset and the function that runs one of its series; imported
    here, after the thread limits are in the environment."""
    from tsadlab.plugins import load_plugins

    load_plugins()
    cfg = pickle.loads(setup.settings)
    from tsadlab.data.sources import load_dataset
    from tsadlab.figures.common import link_plotly_js_to
    from tsadlab.members import member_outcome
    from tsadlab.protocol import fitted_data

    link_plotly_js_to(Path(setup.plotly_js))
    logging.disable(logging.WARNING)  # what reading the collection says, the parent has said
    try:
        dataset = load_dataset(fitted_data(cfg.data, cfg.protocol))
    finally:
        logging.disable(logging.NOTSET)
    return cfg, dataset, member_outcome


def reply(connection: Connection, message: tuple) -> None:
    """Send the parent a last message; an error that cannot be pickled goes as its text."""
    try:
        connection.send(message)
    except (pickle.PicklingError, TypeError, AttributeError):
        kind, exc, text = message
        connection.send((kind, RuntimeError(f"{type(exc).__name__}: {exc}"), text))
    except (BrokenPipeError, OSError):  # the parent is gone: nobody to tell
        pass


def route_logging(logs: Any, level: int) -> SeriesPrefix:
    """Send this process' log records to the parent; the prefix names the series."""
    handler = logging.handlers.QueueHandler(logs)
    prefix = SeriesPrefix()
    handler.addFilter(prefix)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    return prefix


def die_with_parent(parent: int) -> None:
    """On Linux, have the kernel send this worker SIGTERM when its parent dies, so that a
    killed run leaves no worker behind; exit at once if the parent is already gone."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        sys.exit(1)
