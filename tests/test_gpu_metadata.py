"""The GPU metadata of a result, read through stand-ins of NVML, CuPy's runtime and a jax
device (no GPU here): which device, which fields, and nothing without a GPU."""

from types import SimpleNamespace

import pytest

from descent_bench.backends import BackendStatus
from descent_bench.backends.cupy.backend import runtime_facts
from descent_bench.backends.gpu_facts import GpuInfo, merged
from descent_bench.backends.jax.backend import device_facts
from descent_bench.machine import gpu


class NvmlError(Exception):
    pass


def stand_in_nvml(mig_supported=True):
    """pynvml's calls for two devices; device 1 is an H100 whose MIG query may fail."""
    names = {0: b"NVIDIA A100-SXM4-40GB", 1: b"NVIDIA H100 80GB HBM3", "GPU-abc": b"NVIDIA L4"}

    def mig(h):
        if not mig_supported:
            raise NvmlError("Not Supported")
        return (0, 0)

    return SimpleNamespace(
        NVML_CLOCK_SM=1,
        NVML_CLOCK_MEM=2,
        calls=[],
        nvmlInit=lambda: None,
        nvmlShutdown=lambda: None,
        nvmlDeviceGetHandleByIndex=lambda i: i,
        nvmlDeviceGetHandleByUUID=lambda u: u,
        nvmlDeviceGetName=lambda h: names[h],
        nvmlSystemGetDriverVersion=lambda: "570.86.15",
        nvmlDeviceGetCudaComputeCapability=lambda h: (9, 0),
        nvmlDeviceGetMemoryInfo=lambda h: SimpleNamespace(total=85_520_809_984),
        nvmlDeviceGetMaxClockInfo=lambda h, kind: {1: 1980, 2: 2619}[kind],
        nvmlDeviceGetPowerManagementLimit=lambda h: 700_000,  # mW
        nvmlDeviceGetEccMode=lambda h: (1, 1),
        nvmlDeviceGetMigMode=mig,
    )


@pytest.mark.parametrize(
    ("visible", "name"),
    [(None, "NVIDIA A100-SXM4-40GB"), ("1,0", "NVIDIA H100 80GB HBM3"), ("GPU-abc", "NVIDIA L4")],
    ids=["default", "index", "uuid"],
)
def test_nvml_reads_the_device_cuda_calls_0(visible, name):
    assert gpu.from_nvml(stand_in_nvml(), visible).name == name


def test_nvml_fields():
    info = gpu.from_nvml(stand_in_nvml(), "1")
    assert (info.driver, info.compute_capability, info.memory_bytes) == (
        "570.86.15",
        "9.0",
        85_520_809_984,
    )
    assert (info.max_sm_clock_mhz, info.max_memory_clock_mhz) == (1980, 2619)
    assert (info.power_limit_watts, info.ecc, info.mig) == (700.0, True, False)


def test_a_field_nvml_cannot_read_is_none():
    assert gpu.from_nvml(stand_in_nvml(mig_supported=False), "1").mig is None


def stand_in_cupy():
    props = {
        "name": b"NVIDIA H100 80GB HBM3",
        "major": 9,
        "minor": 0,
        "totalGlobalMem": 85_520_809_984,
        "clockRate": 1_980_000,
        "memoryClockRate": 2_619_000,
        "ECCEnabled": 1,
    }
    runtime = SimpleNamespace(
        getDeviceProperties=lambda i: props,
        driverGetVersion=lambda: 12080,
        runtimeGetVersion=lambda: 12060,
    )
    return SimpleNamespace(
        cuda=SimpleNamespace(runtime=runtime, Device=lambda: SimpleNamespace(id=0))
    )


def test_cupy_runtime_fields():
    info = runtime_facts(stand_in_cupy())
    assert (info.name, info.driver, info.cuda_runtime, info.compute_capability) == (
        "NVIDIA H100 80GB HBM3",
        "12.8",
        "12.6",
        "9.0",
    )
    assert (info.max_sm_clock_mhz, info.ecc, info.power_limit_watts) == (1980, True, None)


def test_jax_device_fields():
    device = SimpleNamespace(
        device_kind="NVIDIA H100 80GB HBM3",
        compute_capability="9.0",
        memory_stats=lambda: {"bytes_limit": 80 * 2**30},
        client=SimpleNamespace(platform_version="PJRT C API\ncuda 12080"),
    )
    info = device_facts(device)
    assert (info.source, info.name, info.compute_capability, info.memory_bytes) == (
        "jax",
        "NVIDIA H100 80GB HBM3",
        "9.0",
        80 * 2**30,
    )


def test_a_later_source_fills_only_what_the_first_lacks():
    nvml = gpu.from_nvml(stand_in_nvml(), "1")
    both = merged(nvml, runtime_facts(stand_in_cupy()))
    assert (both.source, both.driver, both.cuda_runtime) == ("nvml", "570.86.15", "12.6")


def status(name, platform):
    return BackendStatus(name, True, None, "1", ("cpu",), (), platform, "why", ())


def test_no_gpu_in_use_is_empty():
    statuses = [status("numpy", "cpu"), status("jax", "cpu")]
    assert gpu.used_gpu(statuses) == GpuInfo()
