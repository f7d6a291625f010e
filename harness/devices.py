"""Several devices and several hosts: the --devices and jax.distributed options."""

from __future__ import annotations

import sys
from typing import Any

from . import arguments as a
from .arguments import UsageError


def add_device_options(parser: Any, many: bool) -> None:
    """--devices and the multi-host options (jax only)."""
    if many:
        parser.add_argument(
            "--devices",
            type=a.positive_int_list,
            default=[1],
            help="jax over 1,2,4... devices: one row per count (default 1)",
        )
    else:
        parser.add_argument(
            "--devices",
            type=a.positive_int,
            default=1,
            help="jax: split the points over this many devices (default 1)",
        )
    parser.add_argument(
        "--coordinator",
        metavar="HOST:PORT",
        help="several hosts: the coordinator's address (jax.distributed)",
    )
    parser.add_argument("--num-processes", type=a.positive_int, help="several hosts: how many")
    parser.add_argument("--process-id", type=a.non_negative_int, help="several hosts: this one")


def join_distributed(args: Any) -> None:
    """Start jax.distributed when asked; all three options or none."""
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
    from backends.jax_sharded import initialize_distributed

    try:
        initialize_distributed(args.coordinator, args.num_processes, args.process_id)
    except ImportError:
        raise UsageError("several hosts need jax (pip install 'descent-bench[jax]')") from None


def process_count(backend: Any) -> int:
    if backend.name != "jax":
        return 1
    import jax

    return jax.process_count()


def is_main_process() -> bool:
    """Only the first process of a multi-host run prints and writes files."""
    if "jax" not in sys.modules:
        return True
    import jax

    return jax.process_index() == 0
