"""One record per row from every process's calls: the calls merged, the answer held
against the row's reference (``answers``: computed once per problem, size, K and phrasing)
with the row's tolerance, and the row placed under its roofs (``roofline``)."""

from __future__ import annotations

import math
import statistics as stdlib_statistics
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np

from descent_bench.kernels import Problem, capabilities
from descent_bench.machine.gpu_roofs import MEMORY as GPU_MEMORY
from descent_bench.machine.gpu_roofs import gpu_data_level
from descent_bench.machine.roofs import DRAM, data_level
from descent_bench.records.record import Record, gbytes_per_second
from descent_bench.records.run import Ceiling, GpuRoofs, Roofs
from descent_bench.records.settings import Settings
from descent_bench.reference.answer import Reference, reference
from descent_bench.reference.bound import max_rel_diff
from descent_bench.timing.rounds import JobResult, MeasuredRow
from descent_bench.timing.rows import Row
from descent_bench.timing.stopping import is_noisy
from descent_bench.timing.threads import usable_cpus
from descent_bench.timing.workloads import make_problem


def fastest_ceilings(results: list[JobResult]) -> dict[str, Ceiling]:
    """Each platform's ceiling: the fastest any process measured."""
    best: dict[str, Ceiling] = {}
    for result in results:
        for platform, ceiling in result.ceilings.items():
            if platform not in best or ceiling.gbytes_per_second > best[platform].gbytes_per_second:
                best[platform] = ceiling
    return best


def best_roofs(results: list[JobResult]) -> Roofs | None:
    """The roofs: each the best any process measured (a roof is what nothing beats)."""
    found = [r.roofs for r in results if r.roofs is not None]
    if not found:
        return None
    reads = {
        k: max(r.read_gbytes_per_second.get(k, 0.0) for r in found)
        for k in found[0].read_gbytes_per_second
    }
    updates = {
        k: max(r.update_gbytes_per_second.get(k, 0.0) for r in found)
        for k in found[0].update_gbytes_per_second
    }
    peaks = {
        k: min(r.peak_seconds_per_point.get(k, math.inf) for r in found)
        for k in found[0].peak_seconds_per_point
    }
    return replace(
        found[0],
        read_gbytes_per_second=reads,
        update_gbytes_per_second=updates,
        peak_seconds_per_point=peaks,
    )


AnswerKey = tuple[str, int, int, str | None]  # problem, size, K, phrasing


def answer_key(part: MeasuredRow) -> AnswerKey:
    return (part.row.problem, part.row.size, part.row.iterations, part.form)


def answers(
    settings: Settings,
    parts: Sequence[MeasuredRow],
    known: dict[AnswerKey, Reference] | None = None,
) -> dict[AnswerKey, Reference]:
    """The reference of each row of ``parts`` (one per problem, size, K and phrasing): the
    exact answer of the problem as the row sees it (its dtype, its phrasing's data); those
    ``known`` already are taken as they are. The references are computed side by side, one
    thread per CPU (NumPy's passes let go of the interpreter), the largest first: they run
    when nothing is timed."""
    found: dict[AnswerKey, Reference] = dict(known or {})
    wanted = {answer_key(p): p.form for p in parts if answer_key(p) not in found}

    def computed(key: AnswerKey) -> Reference:
        name, size, k, _ = key
        problem = make_problem(name, size)
        return reference(problem, k, problem.stable_lr(), settings.dtype, wanted[key])

    largest_first = sorted(wanted, key=lambda key: -make_problem(key[0], key[1]).elements)
    threads = max(1, min(len(wanted), len(usable_cpus())))
    with ThreadPoolExecutor(threads) as pool:
        found.update(zip(largest_first, pool.map(computed, largest_first), strict=True))
    return found


def merge(
    settings: Settings,
    results: list[JobResult],
    known: dict[AnswerKey, Reference] | None = None,
    gpu: GpuRoofs | None = None,
) -> list[Record]:
    """One record per row, in the plan's order: every process's calls, checked against the
    reference (``known``: the answers computed already), and placed under its roofs (a GPU
    row under ``gpu``'s)."""
    ceilings = fastest_ceilings(results)
    roofs = best_roofs(results)
    by_row: dict[Row, list[MeasuredRow]] = {}
    for result in results:
        for part in result.rows:
            by_row.setdefault(part.row, []).append(part)
    found = answers(settings, results[0].rows, known)
    return [
        record(settings, by_row[m.row], ceilings, roofs, found[answer_key(m)], gpu)
        for m in results[0].rows
    ]


def record(
    settings: Settings,
    parts: list[MeasuredRow],
    ceilings: dict[str, Ceiling],
    roofs: Roofs | None,
    answer: Reference,
    gpu: GpuRoofs | None = None,
) -> Record:
    """A row's record from every process's calls, held against ``answer`` with the row's
    tolerance (from how its backend's sums run)."""
    first = parts[0]
    row = first.row
    problem = make_problem(row.problem, row.size)
    k = row.iterations
    tolerance = answer.tolerance(settings.dtype, k, first.accumulation)
    # A later process's answer left out is the first one's to the bit (``answer_digest``).
    answers_seen = [p.final_params for p in parts if p.final_params is not None]
    diff = max(max_rel_diff(params, answer.params) for params in answers_seen)
    samples = tuple(s for p in parts for s in p.samples)
    per_iteration = [s.seconds_per_iteration for s in samples]
    seconds = stdlib_statistics.median(per_iteration)
    nbytes = problem.bytes_per_iteration(np.dtype(settings.dtype).itemsize)
    ceiling = ceilings.get(first.platform)
    compiles = [p.compile_seconds for p in parts if p.compile_seconds is not None]
    return Record(
        backend=row.label,
        library=row.backend,
        device=first.device,
        problem=row.problem,
        size=row.size,
        dtype=settings.dtype,
        iterations=k,
        compile_seconds=stdlib_statistics.median(compiles) if compiles else None,
        seconds_per_iteration=seconds,
        bytes_per_iteration=nbytes,
        bandwidth_fraction=(
            gbytes_per_second(nbytes, seconds) / ceiling.gbytes_per_second if ceiling else None
        ),
        max_rel_diff=diff,
        agrees=diff <= tolerance.value,
        baseline=row.baseline,
        devices=row.devices,
        samples=samples,
        reference=answer.kind,
        threads=settings.threads,
        noisy=is_noisy(per_iteration, settings.noise_target),
        platform=first.platform,
        precision=first.precision,
        loop=row.loop,
        tolerance=tolerance.value,
        bound_model=tolerance.model,
        notes=first.notes,
        overhead_seconds=_median_overhead(parts),
        overhead=next((p.overhead.what for p in parts if p.overhead), ""),
        **roofline(
            problem,
            nbytes,
            settings.dtype,
            ceiling,
            roofs if first.platform == "cpu" else None,
            gpu if first.platform == "gpu" else None,
        ),
    )


def roofline(
    problem: Problem,
    nbytes: int,
    dtype: str,
    ceiling: Ceiling | None,
    roofs: Roofs | None,
    gpu: GpuRoofs | None = None,
) -> dict[str, Any]:
    """A row's place under its roofs (``Record.data_in`` and the two roofs' seconds per
    iteration): a CPU row's (``roofs``, measured in the run) where ``gpu`` is None, else a GPU
    row's (``gpu``, the card's); nothing where they are not known."""
    if gpu is not None:
        return gpu_roofline(problem, nbytes, dtype, ceiling, gpu)
    if roofs is None or ceiling is None:
        return {}
    level = data_level(
        capabilities.resident_bytes(problem, np.dtype(dtype).itemsize), roofs.cache_bytes
    )
    work = capabilities.arithmetic(problem)
    if work is not None and work.updates:
        rate = roofs.update_gbytes_per_second[level]
    else:
        # from memory: the best of the roofs' reads and the run's streaming ceiling
        known = roofs.read_gbytes_per_second.get(level, 0.0)
        rate = max(known, ceiling.gbytes_per_second) if level == DRAM else known
    peak = roofs.peak_seconds_per_point.get(work.mix) if work is not None else None
    return {
        "data_in": level,
        "memory_roof_seconds": nbytes / (rate * 1e9),
        "compute_roof_seconds": None if peak is None or work is None else work.points * peak,
    }


def gpu_roofline(
    problem: Problem, nbytes: int, dtype: str, ceiling: Ceiling | None, gpu: GpuRoofs
) -> dict[str, Any]:
    """A GPU row under the card's roofs (``machine.gpu_roofs``): the memory roof where its
    data lives in the card's memory (the nominal bandwidth, or the run's streaming ceiling
    where that was faster), the compute roof its FMAs and adds at the card's FMA rate."""
    level = gpu_data_level(capabilities.resident_bytes(problem, np.dtype(dtype).itemsize), gpu)
    rate = gpu.memory_gbytes_per_second
    if rate is not None and ceiling is not None:
        rate = max(rate, ceiling.gbytes_per_second)
    memory = nbytes / (rate * 1e9) if rate and level == GPU_MEMORY else None
    work = capabilities.arithmetic(problem)
    fma = gpu.fma_per_second.get(dtype)
    compute = work.points * (work.fma + work.add) / fma if work is not None and fma else None
    if memory is None and compute is None:
        return {}
    return {"data_in": level, "memory_roof_seconds": memory, "compute_roof_seconds": compute}


def _median_overhead(parts: list[MeasuredRow]) -> float | None:
    found = [p.overhead.seconds_per_iteration for p in parts if p.overhead is not None]
    return stdlib_statistics.median(found) if found else None
