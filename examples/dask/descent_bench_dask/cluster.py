"""The dask cluster a process measures on: a scheduler named by the user, or a local cluster
started at the first use, one per process, closed on exit and on SIGTERM."""

from __future__ import annotations

import atexit
import logging
import os
import signal
from dataclasses import dataclass
from types import FrameType
from typing import Any

from descent_bench.backends import SCHEDULER_VARIABLE  # ``--scheduler ADDRESS`` sets it

# Unset, dask's own configuration ("scheduler-address", DASK_SCHEDULER_ADDRESS) is read.


@dataclass
class Session:
    client: Any
    cluster: Any | None  # the local cluster this process started, or None (a scheduler's)
    local: str  # the local cluster, in words ("" for a scheduler's)
    address: str | None  # the scheduler's address asked for (None: the local cluster)

    @property
    def where(self) -> str:
        """What the rows ran on, said under the table: the local cluster, or the scheduler
        and its workers as it has them now (a worker started beside the scheduler may join
        after the first connection: the rows ran on those there at the end)."""
        if self.cluster is not None or self.address is None:
            return self.local
        workers = self.client.scheduler_info().get("workers", {})
        count = f"{len(workers)} worker{'s' if len(workers) != 1 else ''}"
        return f"the scheduler at {self.address} ({count})"


_SESSION: list[Session] = []
_CLOSING_SET: list[bool] = []  # atexit and SIGTERM handlers installed, once a process


def scheduler_address() -> str | None:
    import dask

    return os.environ.get(SCHEDULER_VARIABLE) or dask.config.get("scheduler-address", None)


def session(threads: int) -> Session:
    """This process's client: to the named scheduler, or to a local cluster of one worker
    with ``threads`` threads, in this process (no data is copied between processes)."""
    address = scheduler_address()
    if _SESSION and _SESSION[0].address == address:
        return _SESSION[0]
    close()  # another scheduler is asked for now
    from distributed import Client, LocalCluster

    if address:
        client = Client(address, timeout=30)
        made = Session(client, None, "", address)
    else:
        cluster = LocalCluster(
            n_workers=1,
            threads_per_worker=threads,
            processes=False,
            dashboard_address=None,
        )
        client = Client(cluster)
        where = f"a local cluster (1 worker, {threads} thread{'s' if threads > 1 else ''})"
        made = Session(client, cluster, where, None)
    if not _CLOSING_SET:
        atexit.register(close)
        _close_on_sigterm()
        _CLOSING_SET.append(True)
    _SESSION.append(made)
    return made


def close() -> None:
    """Close this process's client and the local cluster it started, if any (quietly: the
    data a closing cluster drops is no loss to a run that is over)."""
    if _SESSION:
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
    while _SESSION:
        made = _SESSION.pop()
        made.client.close()
        if made.cluster is not None:
            made.cluster.close()


def _close_on_sigterm() -> None:
    """Close before the process ends on SIGTERM, then let the handler there was act."""
    try:
        previous = signal.getsignal(signal.SIGTERM)

        def closing(signum: int, frame: FrameType | None) -> None:
            close()
            if callable(previous):
                previous(signum, frame)
            else:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGTERM)

        signal.signal(signal.SIGTERM, closing)
    except ValueError:  # not the main thread: the process's own handler stays
        pass
