"""The processor's caches: as the operating system reports them, or measured where its reports
disagree or are missing (the size beyond which a read stops getting slower)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# Where the system does not say and nothing can be measured (another platform, no compiler).
FALLBACK_CACHE_BYTES = 32 * 2**20
_UNITS = {"K": 2**10, "M": 2**20, "G": 2**30}
LEVELS = ("L1", "L2", "L3")
# Array sizes read to find the last level's size, and the read rate, relative to the
# largest's, above which an array still counts as (partly) held by a cache.
PROBE_BYTES = tuple(2**k * 2**20 for k in range(2, 10))  # 4 MiB .. 512 MiB
STILL_CACHED = 1.15


def reported_levels() -> dict[str, int]:
    """The data (or unified) caches of CPU 0 by level, from Linux sysfs ({} elsewhere)."""
    found: dict[str, int] = {}
    for index in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*"):
        try:
            kind = (index / "type").read_text().strip()
            level = int((index / "level").read_text().strip())
            text = (index / "size").read_text().strip()
        except (OSError, ValueError):
            continue
        digits = text.rstrip("KMG")
        if kind != "Instruction" and digits.isdigit() and 1 <= level <= len(LEVELS):
            found[f"L{level}"] = int(digits) * _UNITS.get(text[-1:], 1)
    return found


def configured_last_level() -> int | None:
    """The largest cache ``getconf`` reports (the C library's view), or None."""
    for level in (4, 3, 2):
        try:
            done = subprocess.run(
                ["getconf", f"LEVEL{level}_CACHE_SIZE"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        value = done.stdout.strip()
        if done.returncode == 0 and value.isdigit() and int(value) > 0:
            return int(value)
    return None


@dataclass(frozen=True)
class Caches:
    """The cache levels' sizes in bytes (``L1``..``L3``) and where they come from."""

    sizes: dict[str, int]
    source: str


def measured_last_level(read_rate: Callable[[int], float]) -> int | None:
    """The last level's size, measured: the largest of ``PROBE_BYTES`` still read more than
    ``STILL_CACHED`` times faster than the largest (``read_rate``: GB/s of an array of that
    many bytes); None where none is."""
    rates = {n: read_rate(n) for n in PROBE_BYTES}
    floor = rates[PROBE_BYTES[-1]]
    cached = [n for n in PROBE_BYTES if rates[n] > STILL_CACHED * floor]
    return max(cached) if cached else None


@cache
def caches() -> Caches:
    """The cache levels: the OS's reports where sysfs and getconf agree on the last level;
    where they disagree or sysfs is silent, the last level measured (a C read, where a
    compiler is); else what there is."""
    levels = reported_levels()
    configured = configured_last_level()
    last = max(levels.values(), default=None)
    if last is not None and configured in (None, last):
        return Caches(levels, "the operating system (sysfs)")
    measured = _remembered(_measured)
    if measured is not None:
        said = f"sysfs {_mib(last)}, getconf {_mib(configured)}"
        name = max(levels, default="L3")  # the last level
        return Caches({**levels, name: measured}, f"measured (the reports disagree: {said})")
    if last is None and configured is not None:
        return Caches({"L3": configured}, "getconf")
    return Caches(levels or {"L3": FALLBACK_CACHE_BYTES}, "sysfs" if levels else "a guess")


def _remembered(measure: Callable[[], int | None]) -> int | None:
    """``measure()``, kept on disk per machine (``native.build.machine``): measured once."""
    from descent_bench.native.build import cache_dir, machine

    digest = hashlib.sha256(machine().encode()).hexdigest()[:16]
    path = cache_dir() / f"last-level-cache-{digest}.json"
    try:
        return int(json.loads(path.read_text())["bytes"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    found = measure()
    if found is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"bytes": found}))
        os.replace(temporary, path)
    return found


def _measured() -> int | None:
    from descent_bench.native import roofs
    from descent_bench.native.build import NativeUnavailable

    try:
        return measured_last_level(lambda n: roofs.read_gbytes_per_second(n, "float64"))
    except NativeUnavailable:
        return None


def _mib(n: int | None) -> str:
    return "none" if n is None else f"{n / 2**20:g} MiB"


def last_level_cache_bytes() -> int:
    """The largest cache (``caches``)."""
    return max(caches().sizes.values())
