"""A GPU's roofs from the card's own numbers (no GPU here: the card is described as NVML,
CuPy and jax would describe it): its memory bandwidth and FMA rate, where a row's data lives
on it, each GPU row placed under them, and the table and JSON saying so."""

import json
from types import SimpleNamespace

import pytest
from test_diff import record, write
from test_gpu_metadata import stand_in_cupy, stand_in_nvml

from descent_bench.backends.cupy.backend import runtime_facts
from descent_bench.backends.jax.backend import device_facts
from descent_bench.cli import main
from descent_bench.machine import gpu
from descent_bench.machine.gpu_roofs import L2, MEMORY, gpu_roofs
from descent_bench.records.run import Ceiling
from descent_bench.timing.merging import roofline
from descent_bench.timing.workloads import make_problem

H100 = {
    "name": "NVIDIA H100 80GB HBM3",
    "compute_capability": "9.0",
    "sm_count": 132,
    "max_sm_clock_mhz": 1980,
    "max_memory_clock_mhz": 2619,
    "memory_bus_bits": 5120,
    "l2_bytes": 50 * 2**20,
}


def test_the_card_s_roofs_are_its_clocks_times_its_widths():
    roofs = gpu_roofs(H100)
    assert roofs is not None
    assert roofs.memory_gbytes_per_second == pytest.approx(3352.32)
    assert "2619 MHz" in roofs.memory_source and "5120-bit" in roofs.memory_source
    # 132 SMs x 1.98 GHz x 64 (float64) or 128 (float32) FMA a clock: 33.5 and 66.9 TFLOP/s
    assert roofs.fma_per_second["float64"] == pytest.approx(132 * 1980e6 * 64)
    assert 2 * roofs.fma_per_second["float32"] / 1e12 == pytest.approx(66.9, abs=0.1)


def test_a_card_whose_bus_is_not_reported_is_looked_up_by_name():
    roofs = gpu_roofs({**H100, "name": "NVIDIA H200", "memory_bus_bits": None})
    assert roofs is not None and roofs.memory_gbytes_per_second == 4800.0
    assert "table of known cards: H200" in roofs.memory_source


def test_an_architecture_not_in_the_table_has_no_compute_roof():
    roofs = gpu_roofs({**H100, "compute_capability": "99.0"})
    assert roofs is not None and roofs.fma_per_second == {}
    assert roofs.memory_gbytes_per_second is not None


@pytest.mark.parametrize("info", [None, {}, {"name": None}, {"name": "Some Future GPU"}])
def test_no_card_or_nothing_known_of_it_gives_no_roofs(info):
    assert gpu_roofs(info) is None


def test_the_sources_report_what_the_roofs_need():
    nvml = stand_in_nvml()
    nvml.nvmlDeviceGetMemoryBusWidth = lambda h: 5120
    assert gpu.from_nvml(nvml, "1").memory_bus_bits == 5120
    cupy = stand_in_cupy()
    props = cupy.cuda.runtime.getDeviceProperties(0)
    props.update(multiProcessorCount=132, memoryBusWidth=5120, l2CacheSize=50 * 2**20)
    info = runtime_facts(cupy)
    assert (info.sm_count, info.memory_bus_bits, info.l2_bytes) == (132, 5120, 50 * 2**20)
    device = SimpleNamespace(
        device_kind="NVIDIA H100 80GB HBM3",
        core_count=132,
        memory_stats=dict,
        client=SimpleNamespace(platform_version="cuda 12080"),
    )
    assert device_facts(device).sm_count == 132


def placed(size: int, dtype: str = "float64", ceiling: Ceiling | None = None) -> dict:
    roofs = gpu_roofs(H100)
    problem = make_problem("sine", size)
    nbytes = problem.bytes_per_iteration(8 if dtype == "float64" else 4)
    return roofline(problem, nbytes, dtype, ceiling, None, roofs)


def test_a_large_size_lives_in_the_card_s_memory_and_is_memory_bound():
    where = placed(10**7)
    assert where["data_in"] == MEMORY
    assert where["memory_roof_seconds"] == pytest.approx(16e7 / 3352.32e9)
    # 6 FMAs and 5 adds a point, each an FMA's slot
    assert where["compute_roof_seconds"] == pytest.approx(10**7 * 11 / (132 * 1980e6 * 64))
    assert where["memory_roof_seconds"] > where["compute_roof_seconds"]


def test_data_in_the_card_s_l2_is_held_against_the_compute_roof_alone():
    where = placed(2000)
    assert where["data_in"] == L2 and where["memory_roof_seconds"] is None
    assert where["compute_roof_seconds"] == pytest.approx(2000 * 11 / (132 * 1980e6 * 64))


def test_a_measured_read_faster_than_the_nominal_bandwidth_becomes_the_roof():
    """A roof is what nothing beats: a ceiling read faster than the card's nominal number
    (a wrong clock in the report) raises it."""
    where = placed(10**7, ceiling=Ceiling(4000.0, "cupy"))
    assert where["memory_roof_seconds"] == pytest.approx(16e7 / 4000e9)


def gpu_row(seconds: float, **changes):
    return record(
        "cupy",
        seconds,
        size=10**7,
        device="cuda:0",
        platform="gpu",
        data_in=MEMORY,
        memory_roof_seconds=16e7 / 3352.32e9,
        compute_roof_seconds=2e-6,
        **changes,
    )


def test_the_table_names_where_cpu_and_gpu_rows_live_and_the_gpu_s_roofs(tmp_path, capsys):
    cpu = record(
        "numpy", 5e-3, size=10**7, data_in="DRAM", memory_roof_seconds=4.6e-3,
        compute_roof_seconds=1e-3,
    )  # fmt: skip
    path = write(tmp_path / "r.json", [cpu, gpu_row(60e-6)])
    assert main(["show", path]) == 0
    out = capsys.readouterr().out
    (header,) = [line for line in out.splitlines() if line.startswith("sine")]
    assert "(GPU memory, memory-bound; DRAM, memory-bound)" in header  # the fastest's first
    assert "card's nominal peaks" in out
    assert "Above its roof" not in out


def test_a_gpu_row_faster_than_the_card_allows_is_named(tmp_path, capsys):
    path = write(tmp_path / "r.json", [gpu_row(40e-6)])  # the roof allows 47.7 µs
    assert main(["show", path]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Above its roof by more than 5%: cupy (sine 10,000,000, 12" in out  # 120%


def test_the_json_keeps_the_gpu_s_roofs_beside_the_cpu_s(tmp_path):
    from descent_bench.output.document import document
    from descent_bench.records.run import SuiteResult
    from descent_bench.records.settings import Settings

    result = SuiteResult(Settings(), [gpu_row(60e-6)], {}, 1, True, gpu_roofs=gpu_roofs(H100))
    roofs = json.loads(json.dumps(document(result, {"cpu": "test cpu"})))["roofs"]
    assert set(roofs) == {"gpu"}
    assert roofs["gpu"]["fma_per_second"]["float64"] == pytest.approx(132 * 1980e6 * 64)
    assert roofs["gpu"]["l2_bytes"] == 50 * 2**20
