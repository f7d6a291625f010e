"""summary.md of a gpu-check run: per step pass/fail/skipped, its time, its problems and the
figures a maintainer needs (agreement per row, µs/iter at N = 2000, % of the measured
ceiling and of the nominal peak at the largest size, clocks and throttle state)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MARK = {"pass": "pass", "fail": "**FAIL**", "skipped": "skipped"}


def figure(work: Path, step: str, key: str) -> Any:
    """One figure a step wrote to WORK/STEP.json, or None."""
    try:
        return json.loads((work / f"step-{step}.json").read_text())["figures"].get(key)
    except (OSError, ValueError, KeyError):
        return None


def number(value: Any, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}g}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def clocks_text(c: dict[str, Any] | None) -> str:
    if not c:
        return "-"
    if "error" in c:
        return str(c["error"])
    return (
        f"SM {c['sm_clock_mhz']} MHz, memory {c['memory_clock_mhz']} MHz, "
        f"{c['temperature_c']} °C, {c['power_watts']:.0f} W, held back by: {c['throttle']}"
    )


def gains(f: dict[str, Any]) -> list[str]:
    """A backend's fused primitive against its standard-only path, measured in the same step."""
    rows = [
        [
            f"{g['row']} / {g['standard_row']}",
            g["dtype"],
            str(g["size"]),
            number(g["us_per_iteration"]),
            number(g["standard_us_per_iteration"]),
            number(g["speedup"]),
        ]
        for g in f.get("fused_gain", [])
    ]
    if not rows:
        return []
    header = ["own / standard-only", "dtype", "N", "µs/iter", "standard µs/iter", "times faster"]
    return ["", "Fused primitive against the standard-only path:", "", *table(header, rows)]


def grids(f: dict[str, Any]) -> list[str]:
    """The fused CuPy kernel with one wave of the device's blocks against the fixed grid."""
    rows = [
        [
            g["dtype"],
            str(g["size"]),
            number(g["sized_us_per_iteration"]),
            number(g["fixed_us_per_iteration"]),
            number(g["fixed_us_per_iteration"] / g["sized_us_per_iteration"]),
        ]
        for g in f.get("grid", [])
    ]
    if not rows:
        return []
    header = ["dtype", "N", "one wave µs/iter", "1024 blocks µs/iter", "fixed / wave"]
    return ["", "The fused CuPy kernel's grid:", "", *table(header, rows)]


def details(name: str, f: dict[str, Any]) -> list[str]:
    if name == "machine":
        return [
            f"Driver {f.get('driver')}, Python {f.get('python')}, {f.get('host')}.",
            f"Before: {clocks_text(f.get('clocks_before'))}.",
        ]
    if name == "after":
        return [f"After: {clocks_text(f.get('clocks_after'))}."]
    if name == "info":
        lines = [f"GPU: {f.get('gpu') or 'none named'}."]
        return lines + [f"- {b}: {p}" for b, p in f.get("backends", {}).items()]
    if name == "agreement":
        rows = [
            [
                r["row"] + (f" (for {r['stands_for']})" if r.get("stands_for") else ""),
                r["dtype"],
                str(r["size"]),
                number(r["max_rel_diff"]),
                number(r["bound"]),
                number(r.get("first_order_bound")),
                "yes" if r["agrees"] else "**no**",
            ]
            for r in f.get("records", [])
        ]
        header = ["row", "dtype", "N", "max rel diff", "tight bound", "first-order bound"]
        return table([*header, "agrees"], rows)
    if name == "timing":
        rows = [
            [
                r["backend"],
                *(
                    number(r["us_per_iteration"].get(str(k), r["us_per_iteration"].get(k)))
                    for k in (10, 100, 1000)
                ),
                number(r["device_seconds"] and r["device_seconds"] * 1e6),
                number(r["host_seconds"] * 1e6),
            ]
            for r in f.get("rows", [])
        ]
        header = ["backend", "µs/iter K=10", "K=100", "K=1000", "events µs", "host µs"]
        notes = [f"- not judged in a rehearsal: {n}" for n in f.get("notes", [])]
        return table(header, rows) + (["", *notes] if notes else [])
    if name == "compare":
        lines = []
        for dtype in ("float32", "float64"):
            got = f.get(dtype)
            if got:
                shown = ", ".join(
                    f"{row} {number(us)}" for row, us in got["us_per_iteration_at_2000"].items()
                )
                lines.append(f"- {dtype}: µs/iter at the smallest size: {shown}")
                lines.append(f"- {dtype}: ceilings {json.dumps(got['ceiling'])}")
        return lines
    if name == "ceiling":
        lines = [
            f"Copy kernel: {json.dumps(f.get('copy_gbytes_per_second'))} GB/s; nominal peak "
            f"{number(f.get('nominal_peak_gbytes_per_second'), 4)} GB/s "
            f"({f.get('nominal_peak_source')}); compare's measured GPU ceiling "
            f"{number(f.get('measured_ceiling_gbytes_per_second'), 4)} GB/s.",
            "",
        ]
        rows = [
            [
                r["row"] + (f" (for {r['stands_for']})" if r.get("stands_for") else ""),
                r["dtype"],
                str(r["size"]),
                number(r["us_per_iteration"]),
                number(r["gbytes_per_second"], 4),
                number(r.get("percent_of_copy")),
                number(r.get("percent_of_peak")),
                "yes" if r["agrees"] else "**no**",
            ]
            for r in f.get("large", [])
        ]
        header = ["row", "dtype", "N", "µs/iter", "GB/s", "% of copy", "% of peak", "agrees"]
        return lines + table(header, rows) + gains(f) + grids(f)
    return []


def markdown(plan: list[Any], rehearse: bool, total: float) -> str:
    title = "# gpu-check rehearsal (CPU stand-ins)" if rehearse else "# gpu-check"
    lines = [title, ""]
    if rehearse:
        lines += [
            "A rehearsal on the CPU: the stand-in CuPy (NumPy underneath) for cupy, jax on "
            "the CPU for jax on CUDA, torch on the CPU for torch:cuda; compiled variants left "
            "out; tiny sizes. It proves the script's plumbing, not a GPU.",
            "",
        ]
    failed = [s.name for s in plan if s.outcome == "fail"]
    lines.append(f"Failed: {', '.join(failed)}." if failed else "Every step passed.")
    lines += [f"Total {total:.0f} s.", ""]
    lines += table(
        ["step", "outcome", "seconds", "what"],
        [[s.name, MARK[s.outcome], f"{s.seconds:.0f}", s.what] for s in plan],
    )
    for s in plan:
        lines += ["", f"## {s.name}: {s.outcome}", ""]
        lines += [f"- problem: {p}" for p in s.problems[:20]]
        if s.problems:
            lines.append("")
        lines += details(s.name, s.figures)
    return "\n".join(lines) + "\n"
