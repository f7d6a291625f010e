"""Running a job in a fresh worker process (spawned, so no library state is inherited) and
relaying its progress to the observer; a setting the worker found it cannot run (it plans:
``suite.run_settings``) comes back as the ``SettingsError`` it raised. Ctrl-C or SIGTERM in
the parent ends the worker."""

from __future__ import annotations

import multiprocessing
import signal
from multiprocessing.connection import Connection
from typing import Any

from descent_bench.records.settings import SettingsError
from descent_bench.timing.observer import Observer
from descent_bench.timing.rounds import Job, JobResult, work


class WorkerFailed(RuntimeError):
    """A worker process ended without a result; the message says how."""


class Relay:
    """The worker's observer: every call sent to the parent."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _send(self, kind: str, payload: Any = None) -> None:
        self.connection.send((kind, payload))

    def note(self, message: str) -> None:
        self._send("note", message)

    def begin(self, total: int) -> None:
        self._send("begin", total)

    def row(self, description: str) -> None:
        self._send("row", description)

    def done_row(self) -> None:
        self._send("done_row")


def _worker_main(job: Job, connection: Connection) -> None:
    # The parent handles Ctrl-C and ends the worker; the worker must not print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        result = work(job, Relay(connection))
    except SettingsError as exc:  # the first worker plans: a setting that cannot run here
        connection.send(("settings", (exc.setting, str(exc))))
    except BaseException as exc:  # reported to the parent as one line
        connection.send(("error", f"{type(exc).__name__}: {exc}"))
    else:
        connection.send(("result", result))
    finally:
        connection.close()


def _relay(kind: str, payload: Any, observer: Observer) -> None:
    if kind == "note":
        observer.note(payload)
    elif kind == "begin":
        observer.begin(payload)
    elif kind == "row":
        observer.row(payload)
    elif kind == "done_row":
        observer.done_row()


def run_in_worker(job: Job, observer: Observer) -> JobResult:
    """``work(job)`` in a new process; its progress relayed to ``observer``."""
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe(duplex=False)
    process = context.Process(target=_worker_main, args=(job, child_end), daemon=True)
    process.start()
    child_end.close()
    try:
        while True:
            if not parent_end.poll(0.1):
                if not process.is_alive() and not parent_end.poll(0):
                    raise WorkerFailed(
                        f"measuring process {job.process + 1} ended without a result "
                        f"(exit code {process.exitcode})"
                    )
                continue
            try:
                kind, payload = parent_end.recv()
            except EOFError:
                process.join(5)  # its pipe closed as it died: reap it, for its exit code
                raise WorkerFailed(
                    f"measuring process {job.process + 1} ended without a result "
                    f"(exit code {process.exitcode})"
                ) from None
            if kind == "result":
                result: JobResult = payload
                return result
            if kind == "settings":
                setting, message = payload
                raise SettingsError(setting, message)
            if kind == "error":
                raise WorkerFailed(f"measuring process {job.process + 1} failed: {payload}")
            _relay(kind, payload, observer)
    finally:
        parent_end.close()
        if process.is_alive():
            process.terminate()
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()
