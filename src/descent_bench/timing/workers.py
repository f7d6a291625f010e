"""Running a job in a fresh worker process (spawned, so no library state is inherited) and
relaying its progress to the observer; a setting the worker found it cannot run (it plans:
``suite.run_settings``) comes back as the ``SettingsError`` it raised. Ctrl-C or SIGTERM in
the parent ends the worker.

A worker starts before its job is known: it loads the run's libraries on its share of the
CPUs (``threads.held``, as ``rounds.work`` would), says it is ready and waits. The suite
starts the next process's worker as soon as the current one has made its last timed call
(``Worker.run``'s ``on_measured``), so that the newcomer's start-up (spawning, importing)
runs beside the current one's bookkeeping (its answers copied to the host, its result
handed back), never beside a timed call; its job is sent once the current process is gone.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from descent_bench.records.settings import Settings, SettingsError
from descent_bench.timing.observer import Observer
from descent_bench.timing.planning import chosen_backends
from descent_bench.timing.rounds import Job, JobResult, work
from descent_bench.timing.threads import held


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

    def measured(self) -> None:
        """The last timed call is made: the next process may start up."""
        self._send("measured")


def _worker_main(process: int, settings: Settings, connection: Connection) -> None:
    # The parent handles Ctrl-C and ends the worker; the worker must not print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with held(process, settings.threads):  # the libraries size their pools here
            chosen_backends(settings.backends)
        connection.send(("ready", None))
        job = connection.recv()
        relay = Relay(connection)
        result = work(job, relay, on_measured=relay.measured)
    except SettingsError as exc:  # the first worker plans: a setting that cannot run here
        connection.send(("settings", (exc.setting, str(exc))))
    except EOFError:  # the parent went away before sending a job
        pass
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


class Worker:
    """Worker process ``process`` of a run of ``settings``: started at once, loading its
    libraries; ``run`` gives it its job."""

    def __init__(self, process: int, settings: Settings) -> None:
        self.number = process + 1
        context = multiprocessing.get_context("spawn")
        self.connection, child_end = context.Pipe(duplex=True)
        self.process = context.Process(
            target=_worker_main, args=(process, settings, child_end), daemon=True
        )
        self.process.start()
        child_end.close()

    def _receive(self) -> tuple[str, Any]:
        """The worker's next message; ``WorkerFailed`` if it died first, ``SettingsError``
        or ``WorkerFailed`` if it says it cannot go on."""
        while not self.connection.poll(0.1):
            if not self.process.is_alive() and not self.connection.poll(0):
                raise self._ended()
        try:
            kind, payload = self.connection.recv()
        except EOFError:
            self.process.join(5)  # its pipe closed as it died: reap it, for its exit code
            raise self._ended() from None
        if kind == "settings":
            setting, message = payload
            raise SettingsError(setting, message)
        if kind == "error":
            raise WorkerFailed(f"measuring process {self.number} failed: {payload}")
        return kind, payload

    def _ended(self) -> WorkerFailed:
        return WorkerFailed(
            f"measuring process {self.number} ended without a result "
            f"(exit code {self.process.exitcode})"
        )

    def run(
        self, job: Job, observer: Observer, on_measured: Callable[[], None] = lambda: None
    ) -> JobResult:
        """``work(job)`` in this worker once it is ready, its progress relayed to
        ``observer``; ``on_measured`` called when its last timed call is made. The worker
        is ended before this returns."""
        try:
            while self._receive()[0] != "ready":
                pass
            self.connection.send(job)
            while True:
                kind, payload = self._receive()
                if kind == "result":
                    result: JobResult = payload
                    return result
                if kind == "measured":
                    on_measured()
                else:
                    _relay(kind, payload, observer)
        finally:
            self.close()

    def close(self) -> None:
        """End the worker and reap it: gone before the next process measures."""
        self.connection.close()
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def run_in_worker(
    job: Job,
    observer: Observer,
    worker: Worker | None = None,
    on_measured: Callable[[], None] = lambda: None,
) -> JobResult:
    """``work(job)`` in a new process (``worker``: one started already); its progress
    relayed to ``observer``, ``on_measured`` told when its last timed call is made."""
    started = worker if worker is not None else Worker(job.process, job.settings)
    return started.run(job, observer, on_measured)
