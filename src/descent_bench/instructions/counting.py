"""Instruction counts: a deterministic channel beside the clock.

Each counted row runs in a process of its own under ``valgrind --tool=callgrind
--instr-atstart=no``: the row is prepared there as a timed run prepares it (placed, compiled,
warmed up: ``rounds.prepare_row``), then callgrind's instrumentation is switched on around one
K-call alone (``callgrind.start`` / ``stop``, in ``counted_call``), so imports, compiling and
the warm-up are not counted. Instrumentation is one switch for the whole process, so every
thread that works during the call is counted (jax's XLA threads included); valgrind runs the
threads one at a time, which does not change what they execute. The hash seed is fixed
(``PYTHONHASHSEED=0``) so that dictionary and set orders, and the work that follows them, are
the same in every run.

Counted under load, a row's count moved by little between runs (docs/instruction-counts.md):
``count_verdicts.TOLERANCE`` is what ``diff`` allows before calling a counted row slower or
faster. Rows whose work does not run on this CPU (a GPU's kernels) or over
several devices are not counted, with the reason (``uncountable``).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from descent_bench import backends
from descent_bench.instructions import aligned_arrays, callgrind, callgrind_output
from descent_bench.native import fused
from descent_bench.records.record import Record
from descent_bench.timing.rows import OWN, Row, row_of
from descent_bench.timing.workloads import call_iterations, make_problem

VALGRIND = "valgrind"
OPTIONS = (
    "--tool=callgrind",
    "--instr-atstart=no",  # nothing until callgrind.start, around the counted call
    "--collect-atstart=yes",
    "--separate-threads=no",  # every thread's instructions in one total
)
TIMEOUT_SECONDS = 1800.0  # one row's process, start to end (imports and compiling included)
CHILD = "descent_bench.instructions.counted_call"
# The environment a counted process gets: these variables and those starting with
# ``PASSED_PREFIXES`` or a backend's ``counted_prefixes``, nothing else. The size of the
# environment moves where the heap's arrays start, and with it the vector loops' peeled
# iterations: the same numpy row counted
# 92.7M-93.7M instructions (0.5% apart) under environments a few hundred bytes apart. A
# fixed environment keeps a shell's incidental variables (PWD, OLDPWD, SHLVL, a terminal's)
# out of the count; the process starts in the same folder, with address space randomisation
# off (``fixed_layout``), for the same reason.
PASSED = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV", "XDG_CACHE_HOME", "CC")
PASSED_PREFIXES = ("OMP_", "OPENBLAS_", "MKL_")


class CountUnavailable(RuntimeError):
    """Instructions cannot be counted here (no valgrind, or no helper); the message says
    what to install."""


class CountFailed(RuntimeError):
    """A row's counting process failed; the message says how."""


@dataclass(frozen=True)
class Count:
    """One row counted: the instructions of its K-call, those of them spent inside the C
    allocator (``allocator_instructions``), and the seconds its process took."""

    instructions: int
    allocator: int
    seconds: float


def unavailable_reason() -> str | None:
    """Why instructions cannot be counted here, or None."""
    if shutil.which(VALGRIND) is None:
        return f"valgrind is not installed ({callgrind.INSTALL})"
    return callgrind.unavailable_reason() or aligned_arrays.unavailable_reason()


def check_available() -> None:
    """``CountUnavailable`` where counting cannot run here."""
    reason = unavailable_reason()
    if reason is not None:
        raise CountUnavailable(reason)


def uncountable(record: Record) -> str | None:
    """Why ``record``'s row is not counted, or None where it is."""
    if record.platform != "cpu":
        return f"runs on the {record.platform}: valgrind counts this CPU's instructions only"
    if record.devices > 1:
        return "spans several devices: counted rows run on one"
    return None


def count(row: Row, timeout: float = TIMEOUT_SECONDS) -> Count:
    """``row`` counted in a process of its own; ``CountFailed`` says why not.

    The process is started with ``-P``: with ``-m`` alone, Python puts the folder it starts
    in first on the import path and lists that folder's files at the first import, and the
    listing's allocations move the heap: 300 files more in the temporary folder moved a
    numpy row's count by 0.36%, and two ``compare`` runs minutes apart by 0.15%."""
    check_available()
    fused.build_for_valgrind()  # nothing compiled inside the counted process
    bytecode_compiled()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="descent-bench-count.") as tmp:
        out, log = Path(tmp) / "callgrind.out", Path(tmp) / "valgrind.log"
        command = [
            *fixed_layout(),
            VALGRIND,
            *OPTIONS,
            f"--callgrind-out-file={out}",
            f"--log-file={log}",
            sys.executable,
            "-P",  # the folder it starts in is not on its import path (see ``count``)
            "-m",
            CHILD,
            row.to_json(),
        ]
        try:
            proc = subprocess.run(
                command,
                capture_output=True,
                text=True,
                env=child_environment(os.environ),
                cwd=tempfile.gettempdir(),  # the same folder every time
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise CountFailed(f"counting took more than {timeout:g} s") from None
        if proc.returncode != 0:
            lines = (proc.stderr.strip() or _tail(log)).splitlines()
            last = lines[-1] if lines else "no message"
            raise CountFailed(f"the counting process failed (exit {proc.returncode}): {last}")
        try:
            text = out.read_text()
        except OSError:
            raise CountFailed(f"callgrind wrote no output ({_tail(log)})") from None
    try:
        instructions = callgrind_output.total(text) - callgrind_output.idle_instructions(text)
    except callgrind_output.NoTotals as exc:
        raise CountFailed(str(exc)) from None
    allocator = callgrind_output.allocator_instructions(text)
    return Count(instructions, allocator, time.perf_counter() - started)


@cache
def bytecode_compiled() -> None:
    """descent-bench's modules compiled to bytecode, once per process: a counted process
    that compiles a module from source (the first after a fresh install or an edit) leaves
    a heap unlike the next one's, which loads the bytecode, and counted 0.1-0.5% apart. The
    counted process writes none (``PYTHONDONTWRITEBYTECODE``), so every count of a run finds
    the same files."""
    import compileall

    import descent_bench

    compileall.compile_dir(Path(descent_bench.__file__).parent, quiet=2)


def fixed_layout() -> list[str]:
    """The command prefix that starts the counted process without address space
    randomisation (``setarch -R``), so its arrays start at the same addresses, with the same
    alignment, run after run; nothing where ``setarch`` is absent."""
    setarch = shutil.which("setarch")
    return [setarch, platform.machine(), "-R"] if setarch else []


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The counted process's environment: ``PASSED`` and the passed prefixes (ours and every
    backend's) from ``environ``, the import path made absolute (the process starts in another
    folder), a fixed hash seed, OpenMP threads that sleep while they wait, and what each
    backend sets for a count that repeats (``Backend.counted_settings``)."""
    registered = [backends.get(name) for name in backends.names()]
    prefixes = (*PASSED_PREFIXES, *(p for b in registered for p in b.counted_prefixes))
    env = {
        name: value
        for name, value in environ.items()
        if name in PASSED or name.startswith(prefixes)
    }
    if "PYTHONPATH" in env:
        parts = env["PYTHONPATH"].split(os.pathsep)
        env["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in parts if p)
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # the next count finds the files this one found
    # OpenMP's idle threads (numba's threading layer) spin before they sleep, and valgrind
    # counts the spinning: a numba row moved by 0.75% between runs; asleep, not at all.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    for backend in registered:
        env.update(dict(backend.counted_settings))
    return env


def _tail(path: Path) -> str:
    try:
        lines = path.read_text().strip().splitlines()
    except OSError:
        return "no log"
    return lines[-1] if lines else "empty log"


def count_records(
    records: list[Record], progress: Callable[[str], None] | None = None
) -> tuple[list[Record], dict[str, float]]:
    """``records`` with their instructions, or the reason a row was not counted; and the
    seconds each counted row's process took, by row."""
    counted = []
    seconds: dict[str, float] = {}
    for record in records:
        reason = uncountable(record)
        if reason is None:
            name = f"{record.backend} {record.problem} {record.size:,}"
            if progress is not None:
                progress(f"counting {name}")
            try:
                found = count(row_of(record))
            except CountFailed as exc:
                reason = str(exc)
            else:
                seconds[name] = found.seconds
                counted.append(
                    replace(
                        record,
                        instructions=found.instructions,
                        allocator_instructions=found.allocator,
                    )
                )
                continue
        counted.append(replace(record, instructions=None, uncounted=reason))
    return counted, seconds


def count_own_loop(problem: str, size: int, dtype: str, backend: str, threads: int = 1) -> Count:
    """A backend's own loop counted at ``problem``, ``size`` and ``dtype``, K from the size
    (the asv suite's instruction benchmarks); ``CountUnavailable`` where it cannot be counted
    here, ``CountFailed`` where its process failed."""
    from descent_bench import backends

    check_available()
    chosen = backends.get(backend)
    reason = chosen.unavailable_reason()
    if reason is not None:
        raise CountUnavailable(f"{backend} cannot run here: {reason}")
    if chosen.platform != "cpu":
        raise CountUnavailable(f"{backend} runs on the {chosen.platform}: not counted")
    k = call_iterations(make_problem(problem, size))
    return count(Row(chosen.label, backend, OWN, problem, size, dtype, k, threads=threads))
