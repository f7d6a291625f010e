"""A GPU's two roofs, from the card's own numbers (the machine block's ``gpu_used``): no kernel
beats a card's nominal peaks, so they are its roofs.

- Memory: the maximum memory clock x the bus width x 2 (double data rate), as NVML or CUDA
  report them; where they do not, a table of known cards by name.
- Compute: streaming multiprocessors x the maximum SM clock x the fused multiply-adds an SM
  issues a clock in the dtype (the CUDA C Programming Guide's throughput of native arithmetic
  instructions, by compute capability; an add takes an FMA's slot). A card whose capability
  is not in the table has no compute roof.

Data that fits in the card's L2 lives there; the card publishes no L2 bandwidth, so such a
row is held against its compute roof alone. Everything else lives in the card's memory.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from descent_bench.records.run import GpuRoofs

# Fused multiply-adds an SM issues per clock, (float32, float64), by compute capability.
FMA_PER_SM_CLOCK = {
    "6.0": (64, 32),  # P100
    "7.0": (64, 32),  # V100
    "7.5": (64, 2),  # T4
    "8.0": (64, 32),  # A100
    "8.6": (128, 2),  # A10, A40, RTX 30
    "8.7": (128, 2),  # Orin
    "8.9": (128, 2),  # L4, L40S, RTX 40
    "9.0": (128, 64),  # H100, H200, GH200
    "10.0": (128, 64),  # B200
    "12.0": (128, 2),  # RTX 50
}

# Nominal memory bandwidth (GB/s) of known cards, for when neither NVML nor CUDA says.
KNOWN_BANDWIDTH_GBPS = {
    "H200": 4800.0,
    "H100 NVL": 3900.0,
    "H100 PCIe": 2000.0,
    "H100": 3350.0,  # SXM5 80GB HBM3
    "GH200": 4000.0,
    "A100-SXM4-80GB": 2039.0,
    "A100 80GB PCIe": 1935.0,
    "A100": 1555.0,  # 40GB
    "L40S": 864.0,
    "L4": 300.0,
    "V100": 900.0,
    "T4": 320.0,
}

L2 = "GPU L2"
MEMORY = "GPU memory"


def table_bandwidth(name: str | None) -> tuple[float, str] | None:
    """The nominal bandwidth of a known card from its name, and where it came from."""
    if not name:
        return None
    for key in sorted(KNOWN_BANDWIDTH_GBPS, key=len, reverse=True):
        if re.search(rf"\b{re.escape(key)}\b", name, re.IGNORECASE):
            return KNOWN_BANDWIDTH_GBPS[key], f"table of known cards: {key}"
    return None


def clock_bandwidth(memory_clock_mhz: int | None, bus_bits: int | None) -> float | None:
    """GB/s of a memory clock (MHz) and bus width (bits), double data rate."""
    if not memory_clock_mhz or not bus_bits:
        return None
    return memory_clock_mhz * 1e6 * 2 * bus_bits / 8 / 1e9


def gpu_roofs(info: Mapping[str, Any] | None) -> GpuRoofs | None:
    """The roofs of the GPU ``info`` describes (``GpuInfo`` as a dict); None where it names
    no GPU or says nothing to build a roof from."""
    if not info or not info.get("name"):
        return None
    clock = info.get("max_memory_clock_mhz")
    bus = info.get("memory_bus_bits")
    bandwidth = clock_bandwidth(clock, bus)
    memory_source = f"{clock} MHz memory clock x {bus}-bit bus x 2"
    if bandwidth is None and (known := table_bandwidth(info["name"])) is not None:
        bandwidth, memory_source = known
    per_clock = FMA_PER_SM_CLOCK.get(str(info.get("compute_capability")))
    sms, sm_clock = info.get("sm_count"), info.get("max_sm_clock_mhz")
    fma: dict[str, float] = {}
    compute_source = "unknown (no SM count, clock or compute capability in the table)"
    if per_clock is not None and sms and sm_clock:
        fma = {
            dtype: sms * sm_clock * 1e6 * count
            for dtype, count in zip(("float32", "float64"), per_clock, strict=True)
        }
        compute_source = (
            f"{sms} SMs x {sm_clock} MHz x {per_clock[0]} (float32) or {per_clock[1]} "
            f"(float64) FMA an SM a clock, compute capability {info['compute_capability']}"
        )
    if bandwidth is None and not fma:
        return None
    return GpuRoofs(
        name=str(info["name"]),
        memory_gbytes_per_second=bandwidth,
        memory_source=memory_source if bandwidth is not None else "unknown",
        fma_per_second=fma,
        compute_source=compute_source,
        l2_bytes=info.get("l2_bytes"),
    )


def gpu_data_level(nbytes: int, roofs: GpuRoofs) -> str:
    """Where ``nbytes`` of a row's data live on the card: its L2 or its memory."""
    return L2 if roofs.l2_bytes is not None and nbytes <= roofs.l2_bytes else MEMORY
