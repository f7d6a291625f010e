"""gpu-check's ceiling step: a copy kernel on each GPU backend, the card's nominal peak, every
GPU row at the largest size in % of both (compiled variants last), each fused row beside its
standard-only row, and the fused CuPy kernel's grid (one wave of the device) beside the fixed
grid it had before; each row written as it is measured (``gpu_rows``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gpu_steps
from gpu_basics import DTYPES, Result, load, nvml, sizes
from gpu_judgments import ceiling_problems, disagreements, gpu_model
from gpu_rows import RowLog


def step_ceiling(work: Path, rehearse: bool) -> Result:
    """A copy kernel on each GPU backend, the card's nominal peak, the rows at the largest
    size in % of both, compare's measured GPU ceiling against the copy kernel, and each
    fused row beside its standard-only row (``gpu_steps.gain_rows``: eager ones at the
    middle sizes too)."""
    info = load(work / "info.json") if (work / "info.json").exists() else {"backends": []}
    peak = gpu_steps.nominal_peak(nvml(), gpu_model(info))  # the model the folder is named by
    rows = gpu_steps.gpu_rows(rehearse)
    names = list(dict.fromkeys(r.backend for r in rows))
    at_large = [(r, d) for r in sorted(rows, key=lambda r: r.loop == "compiled") for d in DTYPES]
    gain = gpu_steps.gain_rows(rows)
    gaining = [(r, d, n) for n in sizes("gain", rehearse) for r in gain for d in DTYPES]
    gridded = [(r, d) for r, d in at_large if r.label == "cupy"]  # the fused CuPy kernel
    log = RowLog(work, "ceiling", len(names) + len(at_large) + len(gaining) + len(gridded))
    copies, problems = {}, []
    for name in names:
        try:
            copies[name] = gpu_steps.copy_gbytes_per_second(name, sizes("copy_bytes", rehearse)[0])
            log.add("copies", {"backend": name, "gbytes_per_second": copies[name]})
        except Exception as exc:
            problems.append(log.failed(f"copy kernel on {name}", exc))
    large = []
    for row, dtype in at_large:  # compiled variants last: their cold compiles are the longest
        try:
            got = gpu_steps.speed(row, sizes("large", rehearse)[0], dtype, rows[row])
        except Exception as exc:
            problems.append(log.failed(f"{row.label} {dtype}", exc))
            continue
        copy = copies.get(row.backend)
        got["percent_of_copy"] = 100 * got["gbytes_per_second"] / copy if copy else None
        got["percent_of_peak"] = 100 * got["gbytes_per_second"] / peak[0] if peak else None
        large.append(log.add("large", got))
    middle = []
    for row, dtype, size in gaining:
        try:
            middle.append(log.add("middle", gpu_steps.speed(row, size, dtype, rows[row])))
        except Exception as exc:
            problems.append(log.failed(f"{row.label} N={size} {dtype}", exc))
    grids = []
    for row, dtype in gridded:  # the grid sized from the device beside the fixed one
        try:
            grids.append(log.add("grid", fixed_grid_beside(row, dtype, rows[row], large, rehearse)))
        except Exception as exc:
            problems.append(log.failed(f"{row.label} {dtype} fixed grid", exc))
    compare = work / "compare-float32.json"
    gpu = (
        load(compare)["ceilings"].get("gpu", {}).get("gbytes_per_second")
        if compare.exists()
        else None
    )
    notes = []
    if gpu is not None and copies.get("cupy"):  # a CPU's numbers are shown, not judged
        (notes if rehearse else problems).extend(ceiling_problems(gpu, copies["cupy"], "gpu"))
    figures = {
        "copy_gbytes_per_second": copies,
        "nominal_peak_gbytes_per_second": peak[0] if peak else None,
        "nominal_peak_source": peak[1] if peak else "unknown card, NVML unavailable",
        "measured_ceiling_gbytes_per_second": gpu,
        "large": large,
        "grid": grids,
        "fused_gain": gpu_steps.fused_gains(
            [(r["row"], r["dtype"], r["size"], r["us_per_iteration"]) for r in middle + large],
            gpu_steps.standard_pairs(rows),
        ),
        "notes": notes,
    }
    return figures, problems + disagreements(large + middle)


def fixed_grid_beside(
    row: Any, dtype: str, stands_for: str | None, large: list[dict[str, Any]], rehearse: bool
) -> dict[str, Any]:
    """The fused CuPy row at the largest size with the fixed grid of 1024 blocks, beside the
    same row with one wave of the device's resident blocks (measured in ``large``)."""
    from descent_bench.backends.cupy import fused

    size = sizes("large", rehearse)[0]
    sized = next(r for r in large if r["row"] == row.label and r["dtype"] == dtype)
    fused.use_fixed_grid(True)
    try:
        fixed = gpu_steps.speed(row, size, dtype, stands_for)
    finally:
        fused.use_fixed_grid(False)
    return {
        "row": row.label,
        "dtype": dtype,
        "size": size,
        "sized_us_per_iteration": sized["us_per_iteration"],
        "fixed_us_per_iteration": fixed["us_per_iteration"],
        "fixed_blocks": fused.FIXED_BLOCKS,
    }
