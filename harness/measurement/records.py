"""A measured row as a typed record, the byte formula, and how rows relate to each other."""

from __future__ import annotations

from dataclasses import dataclass, replace


def gbytes_per_second(bytes_per_iteration: int, seconds_per_iteration: float) -> float:
    """Compulsory bytes of one iteration over its time, in GB/s (10^9 bytes)."""
    return bytes_per_iteration / seconds_per_iteration / 1e9


@dataclass(frozen=True)
class Record:
    backend: str  # the row's label: a backend, a backend over N devices, or a baseline
    library: str  # the registered backend whose arrays the row uses
    device: str
    problem: str
    size: int
    dtype: str
    iterations: int
    compile_seconds: float
    seconds_per_iteration: float
    iterations_per_second: float
    bytes_per_iteration: int
    gbytes_per_second: float
    bandwidth_fraction: float | None
    speedup_vs_tutorial: float | None
    max_rel_diff: float
    agrees: bool
    baseline: bool
    devices: int
    parallel_efficiency: float | None  # (iterations/s on N devices / on 1) / N
    spread_seconds_per_iteration: tuple[float, float]
    harness_overhead_fraction: float


def relate(records: list[Record], unit_label: str) -> list[Record]:
    """The records with each row's speedup over the ``unit_label`` row (the tutorial), and a
    split row's parallel efficiency against the same library's one-device row, at the same
    problem and size."""
    by_label = {(r.backend, r.problem, r.size): r for r in records}
    # A library's own one-device row (its label is its name: not a variant like jax-standard).
    single = {
        (r.library, r.problem, r.size): r
        for r in records
        if r.devices == 1 and not r.baseline and r.backend == r.library
    }
    related = []
    for r in records:
        unit = by_label.get((unit_label, r.problem, r.size))
        one = single.get((r.library, r.problem, r.size))
        efficiency = None
        if r.devices > 1 and one:
            efficiency = r.iterations_per_second / one.iterations_per_second / r.devices
        related.append(
            replace(
                r,
                speedup_vs_tutorial=(
                    unit.seconds_per_iteration / r.seconds_per_iteration if unit else None
                ),
                parallel_efficiency=efficiency,
            )
        )
    return related
