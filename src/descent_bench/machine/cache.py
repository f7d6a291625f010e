"""The processor's caches, as the operating system reports them."""

from __future__ import annotations

from pathlib import Path

# Where the system does not say (another platform, a container without sysfs).
FALLBACK_CACHE_BYTES = 32 * 2**20
_UNITS = {"K": 2**10, "M": 2**20, "G": 2**30}


def last_level_cache_bytes() -> int:
    """The largest cache of CPU 0 (Linux sysfs), or ``FALLBACK_CACHE_BYTES``."""
    sizes = []
    for index in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*"):
        try:
            text = (index / "size").read_text().strip()
        except OSError:
            continue
        unit = _UNITS.get(text[-1:], 1)
        digits = text.rstrip("KMG")
        if digits.isdigit():
            sizes.append(int(digits) * unit)
    return max(sizes, default=FALLBACK_CACHE_BYTES)
