"""What the steps of scripts/gpu-check.sh measure, through descent-bench's public API: the rows
that run on the GPU (derived from the backend registry), their agreement, the honesty of
their timing, their speed at the largest size, a copy kernel and the card's nominal peak.

``rehearse``: no GPU here. The rows are stood in for by what runs on the CPU: the stand-in
CuPy (NumPy underneath, platform "gpu"), jax on the CPU for jax on CUDA, and ``torch`` for
``torch:cuda`` (a registry name ``base:cuda`` is stood in for by ``base``); compiled
variants are left out of a rehearsal (torch.compile's cold start is 20-30 s per program on a
CPU), and every row says what it stands in for.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

from descent_bench.machine.gpu_roofs import clock_bandwidth, table_bandwidth
from descent_bench.timing.rows import Row, rows

KS = (10, 100, 1000)


def host_text() -> str:
    """The platform text of a host library (a backend that is on the CPU by nature)."""
    from descent_bench.backends.base import Backend

    return Backend.platform_reason(Backend())


def gpu_rows(rehearse: bool) -> dict[Row, str | None]:
    """The rows to measure on the GPU (the sine fit; ``at`` moves one to another size and
    dtype): each usable backend on the GPU, its standard-only and compiled variants (the one
    row model, ``timing.rows``), each with what it stands in for in a rehearsal (the
    stand-ins described above; None: itself)."""
    from descent_bench import backends

    chosen: dict[str, str | None] = {}
    statuses = {s.name: s for s in backends.available()}
    for name, s in statuses.items():
        if s.usable and s.platform == "gpu":
            chosen[name] = None
    if rehearse:  # the built-in libraries that run on GPUs elsewhere stand in for themselves
        for name, s in statuses.items():
            if name in chosen or name not in backends.built_in():
                continue
            base = name.split(":")[0]
            if ":" in name and statuses.get(base) and statuses[base].usable:
                chosen[base] = f"{name} (on the CPU)"
            elif s.usable and s.platform_reason != host_text():
                chosen[name] = f"{name} on a GPU (here on the CPU: {s.platform})"
    made: dict[Row, str | None] = {}
    for row in rows(list(chosen), "sine", 1):
        if row.backend not in chosen or row.loop not in ("own", "standard", "compiled"):
            continue
        if rehearse and row.loop == "compiled":
            continue
        made[row] = chosen[row.backend]
    return made


def standard_pairs(rows: Iterable[Row]) -> dict[str, str]:
    """Each standard-only row's label -> the label of its backend's own row (e.g. the
    fused moments of cupy against cupy-standard), as ``timing.rows`` made them."""
    own = {r.backend: r.label for r in rows if r.loop == "own"}
    return {r.label: own[r.backend] for r in rows if r.loop == "standard" and r.backend in own}


def gain_rows(rows: Iterable[Row]) -> list[Row]:
    """The own and standard-only rows of each backend that runs eagerly, measured at the
    middle sizes too; a backend that compiles per size and dtype (jax) is paired at the
    largest size only, where the ceiling step measures every row anyway."""
    from descent_bench import backends

    rows = list(rows)
    pairs = standard_pairs(rows)
    paired = set(pairs) | set(pairs.values())
    return [r for r in rows if r.label in paired and not backends.get(r.backend).compiles]


def fused_gains(
    measured: list[tuple[str, str, int, float]], pairs: dict[str, str]
) -> list[dict[str, Any]]:
    """µs/iter of each backend's own row beside its standard-only row, per dtype and size,
    from ``measured`` (label, dtype, size, µs/iter), and how many times faster the own is."""
    by = {(label, dtype, size): us for label, dtype, size, us in measured}
    gains = []
    for (label, dtype, size), us_standard in sorted(by.items()):
        own = pairs.get(label)
        us_own = by.get((own, dtype, size)) if own else None
        if own and us_own:
            gains.append(
                {
                    "row": own,
                    "standard_row": label,
                    "dtype": dtype,
                    "size": size,
                    "us_per_iteration": us_own,
                    "standard_us_per_iteration": us_standard,
                    "speedup": us_standard / us_own,
                }
            )
    return gains


def build(row: Row, size: int, dtype: str) -> Any:
    from descent_bench import bench

    loop = "compiled" if row.loop == "compiled" else "own"
    return bench.Workload.build(
        row.problem, size, dtype, row.backend, standard=row.loop == "standard", loop=loop
    )


def agreement(row: Row, size: int, dtype: str, stands_for: str | None) -> dict[str, Any]:
    """K iterations of ``row`` against the reference, with the tight bound it must keep and
    the first-order one beside it (a row between the two points at the bound's model, not
    at the row: docs/validation.md)."""
    from descent_bench.reference.bound import first_order_bound

    workload = build(row, size, dtype)
    got = workload.agreement()
    coupled = workload.problem_at_size.coupled_params
    return {
        "row": row.label,
        "size": size,
        "dtype": dtype,
        "iterations": workload.iterations,
        "max_rel_diff": got.max_rel_diff,
        "bound": got.bound,
        "first_order_bound": first_order_bound(dtype, workload.iterations, coupled),
        "agrees": got.agrees,
        "stands_for": stands_for,
    }


def speed(row: Row, size: int, dtype: str, stands_for: str | None) -> dict[str, Any]:
    """µs/iter and GB/s of ``row`` at ``size`` (median of three calls of K iterations)."""
    measured = build(row, size, dtype).measure(repeat=3)
    return {
        "row": row.label,
        "size": size,
        "dtype": dtype,
        "us_per_iteration": measured.seconds_per_iteration * 1e6,
        "gbytes_per_second": measured.gbytes_per_second,
        "agrees": measured.agrees,
        "max_rel_diff": measured.max_rel_diff,
        "stands_for": stands_for,
    }


def time_backend(name: str, size: int) -> dict[str, Any]:
    """µs/iter of the backend's loop at each K, and one call's time on its own clock
    against the host clock with sync."""
    from descent_bench import backends, kernels

    backend = backends.load(name)
    problem = kernels.SineFit(points=size)
    lr = problem.stable_lr()
    problem, data, params = kernels.place(problem, backend, "float32", problem.initial_params())
    run = backend.compile_loop(problem.step)
    per_k = {}
    for k in KS:
        backend.sync(run(params, data, lr, k))  # compiles this K
        times = backend.time_calls(lambda k=k: run(params, data, lr, k), 5)
        per_k[k] = statistics.median(times) / k * 1e6
    k = KS[-1]
    calls = [backend.timed_call(lambda: run(params, data, lr, k)) for _ in range(5)]
    device = [c.device_seconds for c in calls if c.device_seconds is not None]
    return {
        "backend": name,
        "size": size,
        "us_per_iteration": per_k,
        "device_seconds": statistics.median(device) if device else None,
        "host_seconds": statistics.median(c.host_seconds for c in calls),
    }


def copy_gbytes_per_second(name: str, nbytes: int = 2**31) -> float:
    """A copy kernel's bandwidth on the backend's device: bytes read plus bytes written."""
    import numpy as np

    from descent_bench import backends

    backend = backends.load(name)
    source = backend.asarray(np.ones(nbytes // 4, dtype=np.float32), "float32")
    copy = backend.compile_step(lambda a: a * 1)
    backend.sync(copy(source))
    seconds = statistics.median(backend.time_calls(lambda: copy(source), 9))
    return 2 * (nbytes // 4 * 4) / seconds / 1e9


def nominal_peak(nvml: Any | None, name: str | None) -> tuple[float, str] | None:
    """The card's nominal memory bandwidth in GB/s: NVML's maximum memory clock x bus width
    (x2, double data rate), else the table of known cards; None when neither says."""
    if nvml is not None:
        try:
            nvml.nvmlInit()
            try:
                h = nvml.nvmlDeviceGetHandleByIndex(0)
                clock = nvml.nvmlDeviceGetMaxClockInfo(h, nvml.NVML_CLOCK_MEM)  # MHz
                width = nvml.nvmlDeviceGetMemoryBusWidth(h)  # bits
            finally:
                nvml.nvmlShutdown()
            gbps = clock_bandwidth(clock, width)
            if gbps is not None:
                return gbps, f"NVML: {clock} MHz memory clock x {width}-bit bus x 2"
        except Exception:
            pass
    return table_bandwidth(name)


THROTTLE_BITS = {
    0x1: "gpu idle",
    0x2: "applications clocks setting",
    0x4: "sw power cap",
    0x8: "hw slowdown",
    0x20: "sw thermal slowdown",
    0x40: "hw thermal slowdown",
    0x80: "hw power brake slowdown",
}


def throttle_text(mask: int) -> str:
    reasons = [text for bit, text in THROTTLE_BITS.items() if mask & bit]
    return ", ".join(reasons) or "none"


def clocks(nvml: Any | None) -> dict[str, Any]:
    """SM and memory clocks now, temperature, power and why clocks are held back (NVML),
    or what stopped reading them."""
    if nvml is None:
        return {"error": "nvidia-ml-py (pynvml) is not installed"}
    try:
        nvml.nvmlInit()
    except Exception as exc:
        return {"error": f"NVML cannot start: {exc}"}
    try:
        h = nvml.nvmlDeviceGetHandleByIndex(0)
        read = getattr(nvml, "nvmlDeviceGetCurrentClocksEventReasons", None)
        read = read or nvml.nvmlDeviceGetCurrentClocksThrottleReasons  # before NVML 12.2
        mask = int(read(h))
        return {
            "sm_clock_mhz": nvml.nvmlDeviceGetClockInfo(h, nvml.NVML_CLOCK_SM),
            "memory_clock_mhz": nvml.nvmlDeviceGetClockInfo(h, nvml.NVML_CLOCK_MEM),
            "temperature_c": nvml.nvmlDeviceGetTemperature(h, 0),
            "power_watts": nvml.nvmlDeviceGetPowerUsage(h) / 1000,
            "throttle": throttle_text(mask),
        }
    except Exception as exc:
        return {"error": f"NVML: {exc}"}
    finally:
        nvml.nvmlShutdown()
