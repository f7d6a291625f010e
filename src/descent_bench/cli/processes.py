"""Several devices and several hosts: the --devices and multi-process options."""

from __future__ import annotations

import argparse
import os
import socket
import time
from collections.abc import Sequence

from descent_bench.backends import SCHEDULER_VARIABLE, Backend, BackendUnavailable
from descent_bench.cli import arguments as a
from descent_bench.cli.arguments import UsageError


def add_device_options(parser: argparse.ArgumentParser, many: bool) -> None:
    """--devices and the multi-process options (backends that split data, e.g. jax)."""
    if many:
        parser.add_argument(
            "--devices",
            type=a.positive_int_list,
            default=[1],
            help="split data over 1,2,4... devices: one row per count (default 1)",
        )
    else:
        parser.add_argument(
            "--devices",
            type=a.positive_int,
            default=1,
            help="split the points/walkers over this many devices (default 1)",
        )
    parser.add_argument(
        "--coordinator",
        type=coordinator_address,
        metavar="HOST:PORT",
        help="several hosts: the coordinator's address (process 0)",
    )
    parser.add_argument("--num-processes", type=a.positive_int, help="several hosts: how many")
    parser.add_argument("--process-id", type=a.non_negative_int, help="several hosts: this one")
    parser.add_argument(
        "--connect-timeout",
        type=connect_timeout,
        default=60,
        metavar="SECONDS",
        help="several hosts: how long to wait for the coordinator and the others (default 60)",
    )
    parser.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="ADDRESS",
        help="a running distributed scheduler, for the backends that use one (dask), e.g. "
        "tcp://10.0.0.5:8786 (default: dask's configuration, else a local cluster per run)",
    )


def scheduler_address(text: str) -> str:
    """[PROTOCOL://]HOST:PORT, e.g. tcp://10.0.0.5:8786."""
    try:
        coordinator_address(text.partition("://")[2] if "://" in text else text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected [PROTOCOL://]HOST:PORT with a port in 1..65535, got {text!r}"
        ) from None
    return text


def use_scheduler(args: argparse.Namespace, timeout: float = 10.0) -> None:
    """With --scheduler, check that something answers there and hand the address to every
    measuring process (``backends.SCHEDULER_VARIABLE``); ``UsageError`` if nothing does."""
    if args.scheduler is None:
        return
    address = args.scheduler.partition("://")[2] if "://" in args.scheduler else args.scheduler
    wait_for(address, timeout, "--scheduler", "is the scheduler running there?")
    os.environ[SCHEDULER_VARIABLE] = args.scheduler


def connect_timeout(text: str) -> int:
    """Seconds in 1..86400."""
    value = a.positive_int(text)
    if value > 86_400:
        raise argparse.ArgumentTypeError(f"must be at most 86400 (a day), got {text!r}")
    return value


def coordinator_address(text: str) -> str:
    """HOST:PORT with a port in 1..65535 (the host is looked up when joining)."""
    host, _, port = text.rpartition(":")
    if not host or not (port.isascii() and port.isdigit()) or not 1 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(
            f"expected HOST:PORT with a port in 1..65535, got {text!r}"
        )
    return text


def resolve_coordinator(address: str, option: str = "--coordinator") -> tuple[str, int]:
    """The host and port of HOST:PORT; ``UsageError`` if the host does not resolve (every
    process, process 0 too, connects to that address)."""
    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    try:
        socket.getaddrinfo(host, int(port))
    except OSError as exc:
        raise UsageError(f"{option} host {host!r} cannot be resolved: {exc}") from None
    return host, int(port)


def wait_for_coordinator(address: str, timeout: float) -> None:
    """Until ``timeout``, try to reach the coordinator over TCP; ``UsageError`` if its host
    does not resolve or nothing answers there."""
    wait_for(address, timeout, "--coordinator", "is process 0 running there? (--connect-timeout)")


def wait_for(address: str, timeout: float, option: str, hint: str) -> None:
    """Until ``timeout``, try to reach HOST:PORT over TCP; ``UsageError`` naming ``option``
    and ending with ``hint`` if its host does not resolve or nothing answers there."""
    host, port = resolve_coordinator(address, option)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return
        except OSError as exc:
            if time.monotonic() >= deadline:
                raise UsageError(
                    f"{option} {address} did not answer within {timeout:g} s ({exc}); {hint}"
                ) from None
            time.sleep(0.2)


def join_processes(args: argparse.Namespace, chosen: Sequence[Backend]) -> None:
    """Join a multi-process run when asked (all three options or none), through every
    chosen backend that can; refused if none can."""
    given = [args.coordinator, args.num_processes, args.process_id]
    if all(v is None for v in given):
        return
    if any(v is None for v in given):
        raise UsageError("--coordinator, --num-processes and --process-id go together")
    if args.process_id >= args.num_processes:
        raise UsageError(
            f"--process-id must be below --num-processes ({args.num_processes}), "
            f"got {args.process_id}"
        )
    joining = [b for b in chosen if b.joins_processes]
    if not joining:
        names = ", ".join(b.name for b in chosen)
        raise UsageError(f"several processes need a backend that joins them; {names} cannot")
    if args.process_id != 0:  # process 0 starts the coordinator; the others reach it first
        wait_for_coordinator(args.coordinator, args.connect_timeout)
    else:
        resolve_coordinator(args.coordinator)
    for backend in joining:
        try:
            backend.join_processes(
                args.coordinator, args.num_processes, args.process_id, args.connect_timeout
            )
        except BackendUnavailable as exc:
            raise UsageError(f"several processes: {exc}") from None
