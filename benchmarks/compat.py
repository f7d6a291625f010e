"""The one module of ``benchmarks/`` that knows descent-bench's older layouts.

asv runs today's benchmarks against every commit it is asked to; the rest of ``benchmarks/``
uses the public interface, ``descent_bench.bench``, alone, through the names here. This module
fills in what an older ``bench`` lacks from that commit's internals (the only place in
``benchmarks/`` that may name them), so every commit from ``descent_bench.bench`` on is
measured. Commits before it have no benchmarking interface: run as a script (asv's
``install_command`` does, after installing each commit), this module exits with one line
saying so, and asv skips that commit's benchmarks instead of failing each with a traceback.
"""

from __future__ import annotations

import ast
import os
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    from asv_runner.benchmarks.mark import SkipNotImplemented
except ImportError:  # older asv
    SkipNotImplemented = NotImplementedError

MISSING: str | None = None
try:
    from descent_bench import bench
except ImportError as exc:  # a commit before the public interface
    bench = None  # type: ignore[assignment]
    MISSING = f"descent_bench.bench is not importable at this commit ({exc})"

# Threads every benchmark computes on (the BLAS, XLA and numba pools), from asv's matrix.
THREADS_VARIABLE = "DESCENT_BENCH_THREADS"
DEFAULT_THREADS = 1
# Sizes streaming more elements than this per iteration stay out of the history suite.
HISTORY_MAX_ELEMENTS = 2_000_000


# The clock of every time_* benchmark, from asv's matrix: "cpu" (this process's CPU time, all
# its threads: a benchmark sharing its core with other programs keeps its reading) or "wall"
# (needed where the work runs off the CPU, on a GPU).
CLOCK_VARIABLE = "DESCENT_BENCH_CLOCK"
CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.process_time, "wall": timeit.default_timer}


def clock() -> Callable[[], float]:
    """The timer asv's ``DESCENT_BENCH_CLOCK`` names (default ``wall``)."""
    name = os.environ.get(CLOCK_VARIABLE, "wall")
    if name not in CLOCKS:
        raise ValueError(f"{CLOCK_VARIABLE}={name!r}: choose from {', '.join(CLOCKS)}")
    return CLOCKS[name]


# The backend registry in the source tree these benchmarks belong to (not the installed one).
REGISTRY_SOURCE = Path(__file__).resolve().parents[1] / "backends" / "__init__.py"


def registry_in_source(path: Path = REGISTRY_SOURCE) -> list[str]:
    """The names of ``_REGISTRY`` in ``path``, in order ([] where there is none)."""
    if not path.is_file():
        return []
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[ast.expr] = []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Assign):
            targets = node.targets
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        value = getattr(node, "value", None)
        if names == ["_REGISTRY"] and isinstance(value, ast.Dict):
            return [str(k.value) for k in value.keys if isinstance(k, ast.Constant)]
    return []


def backend_names() -> list[str]:
    """The installed registry's backends, then those that today's registry adds (appended
    since: the registry only grows at its end), then the installed plugins' and the
    ``xp:`` namespaces of ``DESCENT_BENCH_XP`` (today's ``backends.names()`` lists them
    after the built-in ones). asv computes a benchmark's parameters anew in every process at
    every commit, so an older commit gets the same list and skips the backends it lacks
    (``Workload.build``: "not a backend of this version") instead of failing on a parameter
    index it does not have."""
    import importlib.metadata

    installed = bench.backend_names() if bench else []
    later = [
        *registry_in_source(),
        *(e.name for e in importlib.metadata.entry_points(group="descent_bench.backends")),
        *(f"xp:{m.strip()}" for m in os.environ.get("DESCENT_BENCH_XP", "").split(",")),
    ]
    return list(dict.fromkeys(installed + [n for n in later if n != "xp:"]))


def threads() -> int:
    """The thread count asv's matrix asks for (``DESCENT_BENCH_THREADS``, default 1)."""
    return int(os.environ.get(THREADS_VARIABLE, DEFAULT_THREADS))


def skip(reason: str) -> SkipNotImplemented:
    """A skip with its reason (``asv run --show-stderr`` prints it under the row)."""
    return SkipNotImplemented(reason)


def _pin(count: int) -> None:
    """What ``bench.pin_threads`` does, for commits without it."""
    from threadpoolctl import threadpool_limits

    setter = getattr(os, "sched_setaffinity", None)
    if setter is not None:
        setter(0, sorted(os.sched_getaffinity(0))[:count])
    threadpool_limits(limits=count)


def build(problem: str, size: int, dtype: str, backend: str, **options: Any) -> Any:
    """``bench.Workload.build`` on this process's thread count, or a skip with its reason."""
    if bench is None:
        raise skip(MISSING or "no descent_bench.bench")
    count = threads()
    try:
        if hasattr(bench, "pin_threads"):
            return bench.Workload.build(problem, size, dtype, backend, threads=count, **options)
        _pin(count)  # before the backend's library starts its pools
        workload = bench.Workload.build(problem, size, dtype, backend, **options)
    except bench.Unavailable as exc:
        raise skip(str(exc)) from None
    except (TypeError, ValueError) as exc:  # an option or loop this commit does not take
        raise skip(f"not at this commit: {exc}") from None
    _pin(count)
    limit = getattr(workload.backend, "limit_threads", None)
    if limit is not None:
        limit(count)
    return workload


# Instruction counts run only where asked (valgrind makes each take seconds to minutes):
# ``DESCENT_BENCH_COUNT=instructions`` in asv's matrix or in the environment asv runs in.
COUNT_VARIABLE = "DESCENT_BENCH_COUNT"


def check_counting() -> None:
    """A skip with its reason unless counting was asked for and this commit can count."""
    if bench is None:
        raise skip(MISSING or "no descent_bench.bench")
    if os.environ.get(COUNT_VARIABLE) != "instructions":
        raise skip(f"instruction counts are opt-in: {COUNT_VARIABLE}=instructions (slow)")
    if not hasattr(bench, "instructions_per_iteration"):
        raise skip("not at this commit: no instruction counts")


def instructions(problem: str, size: int, dtype: str, backend: str) -> float:
    """Instructions per iteration of the backend's own loop (``bench``), or a skip with its
    reason: counting not asked for, not at this commit, or not possible here."""
    check_counting()
    try:
        return float(bench.instructions_per_iteration(problem, size, dtype, backend, threads()))
    except bench.Unavailable as exc:
        raise skip(str(exc)) from None


def history_sizes(problem: str) -> list[int]:
    if bench is None:
        return []
    if hasattr(bench, "history_sizes"):
        return list(bench.history_sizes(problem))
    from descent_bench.measurement.workloads import (  # type: ignore[import-not-found]
        make_problem,  # the layouts before it
    )

    cap = HISTORY_MAX_ELEMENTS
    return [s for s in bench.sizes(problem) if make_problem(problem, s).elements <= cap]


def compiles(workload: Any) -> bool:
    """Whether the backend compiles its loop (a compile time exists)."""
    if hasattr(workload, "compiles"):
        return bool(workload.compiles)
    flag = getattr(workload.backend, "compiles", None)
    if flag is not None:
        return bool(flag)
    from descent_bench.backends.base import Backend  # layouts before Backend.compiles

    return type(workload.backend).compile_step is not Backend.compile_step


def compile_fresh(workload: Any) -> None:
    """Compile the loop on a fresh backend object and run one iteration (synced)."""
    if hasattr(workload, "compile_fresh"):
        workload.compile_fresh()
        return
    backend = workload.backend.fresh()
    loop = backend.compile_loop(workload.problem.step)
    backend.sync(loop(workload.params, workload.data, workload.lr, 1))


def agreement(workload: Any) -> tuple[float, float]:
    """(max_rel_diff, bound): the distance from the float64 reference and the largest one
    that agrees. Commits before ``Workload.agreement`` compare with their own reference and
    report the bound as the distance where it agreed, 0 where it did not."""
    if hasattr(workload, "agreement"):
        found = workload.agreement()
        return found.max_rel_diff, found.bound
    measured = workload.measure()
    return measured.max_rel_diff, measured.max_rel_diff if measured.agrees else 0.0


def main() -> int:
    """Exit 0 where this commit has the public interface, else 1 with one line."""
    if MISSING is not None:
        print(f"descent-bench: no benchmarks at this commit: {MISSING}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
