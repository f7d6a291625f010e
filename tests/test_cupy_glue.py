"""Glue tests of the CuPy backend: a NumPy-backed stand-in CuPy (tests/stand_ins/cupy_package)
drives its loading, arrays, sync, timing, devices and version through ``descend``, ``fit``,
``info`` and ``compare``. They check call shapes, not a GPU: on a machine with a real CuPy
the stand-in replaces it for these tests only."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from descent_bench import backends, kernels
from descent_bench.backends.cupy import CupyBackend
from descent_bench.backends.cupy import fused as cupy_fused
from descent_bench.cli import main
from descent_bench.timing import rows as contenders

STAND_IN = Path(__file__).parent / "stand_ins" / "cupy_package"
STAND_IN_NAME = "Stand-in H100 80GB HBM3"


def cupy_modules():
    return [
        name
        for name in sys.modules
        if name.split(".")[0] in ("cupy", "cupyx") or name.startswith("array_api_compat.cupy")
    ]


@pytest.fixture
def stand_in(monkeypatch):
    """The stand-in CuPy on sys.path (this process) and PYTHONPATH (worker processes), and a
    cupy backend that has not loaded anything yet; both undone afterwards."""
    for name in cupy_modules():  # a real CuPy, if any, comes back afterwards
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(STAND_IN))
    path = os.pathsep.join(p for p in (str(STAND_IN), os.environ.get("PYTHONPATH")) if p)
    monkeypatch.setenv("PYTHONPATH", path)
    monkeypatch.delenv("STAND_IN_CUPY_FAILS", raising=False)
    monkeypatch.delenv("CUPY_TF32", raising=False)
    backends.register("cupy", CupyBackend)
    cupy_fused.compiled_moments.cache_clear()  # kernels are objects of the CuPy that made them
    yield monkeypatch
    for name in cupy_modules():
        del sys.modules[name]
    backends.register("cupy", CupyBackend)
    cupy_fused.compiled_moments.cache_clear()


def test_glue_cupy_loads_and_names_its_device_and_version(stand_in):
    cupy = backends.load("cupy")
    assert cupy.devices() == [f"cuda:0 {STAND_IN_NAME}"]
    assert (cupy.version(), cupy.platform) == ("14.0.0+stand-in", "gpu")
    assert "device 0" in cupy.platform_reason()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_glue_asarray_and_to_numpy_round_trip(stand_in, dtype):
    cupy = backends.load("cupy")
    host = np.linspace(0.0, 1.0, 7)
    back = cupy.to_numpy(cupy.sync(cupy.asarray(host, dtype)))
    assert back.dtype == np.dtype(dtype) and back.tolist() == host.astype(dtype).tolist()


def test_glue_timed_call_keeps_host_and_device_time_of_one_call(stand_in):
    cupy = backends.load("cupy")
    calls = []
    timed = cupy.timed_call(lambda: calls.append(1))
    assert len(calls) == 1 and timed.device_seconds is not None
    assert 0 <= timed.device_seconds <= timed.host_seconds


def test_glue_time_calls_is_host_time_one_per_call(stand_in):
    cupy = backends.load("cupy")
    calls = []
    times = cupy.time_calls(lambda: calls.append(1), 5)
    assert len(times) == len(calls) == 5 and all(t >= 0 for t in times)


def test_glue_descend_on_cupy_matches_numpy(stand_in):
    problem = kernels.SineFit(points=500)
    got = kernels.descend(problem, backends.load("cupy"), iterations=200, checkpoints=[50])
    want = kernels.descend(problem, backends.load("numpy"), iterations=200)
    np.testing.assert_allclose(got.params, want.params, rtol=1e-9)


@pytest.mark.parametrize(
    ("stage", "cause"),
    [
        ("driver", "cudaErrorInsufficientDriver"),
        ("compile", "cannot compile and run a kernel: RuntimeError: CompileException"),
    ],
    ids=["old-driver", "no-cuda-libraries"],
)
def test_glue_cupy_that_cannot_run_a_kernel_says_the_real_cause(stand_in, stage, cause):
    stand_in.setenv("STAND_IN_CUPY_FAILS", stage)
    assert cause in backends.get("cupy").unavailable_reason()


@pytest.mark.parametrize(("tf32", "want"), [(None, "full"), ("1", "tf32 (CUPY_TF32=1)")])
def test_glue_cupy_reports_its_float32_product_precision(stand_in, tf32, want):
    if tf32 is not None:
        stand_in.setenv("CUPY_TF32", tf32)
    assert backends.load("cupy").matmul_precision() == want


def test_glue_fit_runs_on_cupy(stand_in, capsys):
    argv = ["fit", "sine", "--backend", "cupy", "--iterations", "30", "--json"]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["backend"], record["iterations"]) == ("cupy", 30)


def test_glue_info_shows_cupy_usable_on_the_gpu(stand_in, capsys):
    assert main(["info", "--json"]) == 0
    cupy = next(b for b in json.loads(capsys.readouterr().out)["backends"] if b["name"] == "cupy")
    assert (cupy["usable"], cupy["platform"], cupy["devices"]) == (
        True,
        "gpu",
        [f"cuda:0 {STAND_IN_NAME}"],
    )


def test_glue_stand_in_reaches_a_child_process(stand_in):
    """Through PYTHONPATH: what compare's worker processes will see."""
    proc = subprocess.run(
        [sys.executable, "-m", "descent_bench.cli", "info"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    cupy_line = next(line for line in proc.stdout.splitlines() if line.startswith("cupy "))
    assert proc.returncode == 0 and "usable on gpu" in cupy_line


def test_glue_compare_measures_one_cupy_row(stand_in, capsys, tmp_path):
    argv = ["compare", "--backends", "cupy", "--problems", "sine", "--sizes", "1000"]
    path = tmp_path / "r.json"
    assert main([*argv, "--iterations", "5", "--budget", "0", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    labels = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert "cupy" in labels and "cupy-eager" not in out
    (row,) = [r for r in json.loads(path.read_text())["records"] if r["backend"] == "cupy"]
    assert row["platform"] == "gpu"
    # both worker processes ran the stand-in, and every call kept its CUDA-event time
    assert {s["process"] for s in row["samples"]} == {0, 1}
    assert all(s["device_seconds"] is not None for s in row["samples"])


@pytest.mark.parametrize(("fails", "want"), [(None, "14.0.0+stand-in"), ("driver", None)])
def test_glue_gpu_metadata_records_cupy_only_when_usable(stand_in, fails, want):
    from descent_bench.machine import gpu

    if fails:
        stand_in.setenv("STAND_IN_CUPY_FAILS", fails)
    # cupy's status alone: on a machine with a real GPU, jax or torch on it would fill the
    # fields this test expects empty when CuPy is unusable
    used = gpu.used_gpu([backends.status("cupy")])
    assert used.cupy == want
    assert (used.compute_capability is not None) == (fails is None)


# -- the fused residual moments: one generated kernel, run on the stand-in by its emulation --
def moments_args(backend, dtype, points=300_001):
    """Degree-3 coefficients, x and sin(x) on ``backend``: more points than the first
    launch's threads, so its grid-stride loop runs more than once per thread."""
    x = np.linspace(-np.pi, np.pi, points)
    return [backend.asarray(a, dtype) for a in (np.array([0.3, -0.2, 0.1, 0.05]), x, np.sin(x))]


@pytest.mark.parametrize("sign", [False, True], ids=["sse", "sign"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_glue_cupy_fused_moments_equal_the_standard_only_path(stand_in, dtype, sign):
    """float32 inputs are summed in float64 by the kernel: it is held to the standard-only
    path computed in float64 from the same float32 inputs, then rounded once."""
    cupy = backends.load("cupy")
    assert type(cupy.ops) is cupy_fused.FusedOps
    args = moments_args(cupy, dtype)
    got = cupy.to_numpy(cupy.sync(cupy.ops.residual_moments(*args, sign)))
    wide = [a.astype(np.float64) for a in args]
    want = cupy.to_numpy(kernels.Ops(cupy.xp).residual_moments(*wide, sign))
    x = cupy.to_numpy(wide[1])
    bound = np.array([np.sum(4 * np.abs(x) ** j) for j in range(4)])
    assert (got.shape, got.dtype) == ((4,), np.dtype(dtype))
    rounding = 2.0**-24 if dtype == "float32" else 0.0
    np.testing.assert_array_less(np.abs(got - want), rounding * np.abs(want) + 1e-13 * bound)


@pytest.mark.parametrize("sign", [False, True], ids=["sse", "sign"])
def test_glue_cupy_fused_moments_keep_a_nan_visible(stand_in, sign):
    cupy = backends.load("cupy")
    c, x, y = moments_args(cupy, "float32", points=5000)
    y[1234] = np.nan
    got = cupy.to_numpy(cupy.ops.residual_moments(c, x, y, sign))
    assert np.isnan(got).all()


def test_glue_cupy_standard_only_is_a_row_of_its_own(stand_in):
    cupy = backends.get("cupy")
    standard = cupy.standard_only()
    assert standard is not None and standard.standard_only() is None
    assert type(standard.load().ops) is kernels.Ops
    labels = [r.label for r in contenders.rows(["cupy"], "sine", 2000) if r.backend == "cupy"]
    assert labels[:2] == [cupy.label, standard.label] and standard.label != cupy.label


@pytest.mark.parametrize("degree", [0, 3, 6])
@pytest.mark.parametrize("sign", [False, True], ids=["sse", "sign"])
def test_the_generated_cuda_has_one_accumulator_per_moment(degree, sign):
    source = cupy_fused.moments_source(degree, sign, "float32")
    moments, finish = cupy_fused.kernel_names(degree, sign, "float32")
    for name in (moments, finish):
        assert len(re.findall(rf"__global__ void {name}\(", source)) == 1
    width = degree + 1
    assert re.findall(r"\bs(\d+) \+= g;", source) == [str(j) for j in range(width)]
    assert re.findall(r"partial\[row \+ (\d+)\] = s\1;", source) == [str(j) for j in range(width)]
    assert len(re.findall(r"out\[\d+\] = \(float\)s\d+;", source)) == width
    assert "atomic" not in source and "fast" not in source


# Enough of CUDA's names for a C++ compiler to check the generated source's syntax and types.
CUDA_STUBS = """
struct uint3_stub { unsigned x, y, z; };
static uint3_stub blockIdx, threadIdx, blockDim, gridDim;
#define __global__
#define __shared__ static
inline double __shfl_down_sync(unsigned, double v, int) { return v; }
inline void __syncthreads() {}
"""


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
@pytest.mark.parametrize(("degree", "sign", "dtype"), [(0, False, "float64"), (3, True, "float32")])
def test_the_generated_cuda_passes_a_cpp_syntax_check(tmp_path, degree, sign, dtype):
    path = tmp_path / "moments.cpp"
    path.write_text(CUDA_STUBS + cupy_fused.moments_source(degree, sign, dtype))
    proc = subprocess.run(
        ["g++", "-fsyntax-only", "-Wall", "-Werror", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("properties", "blocks"),
    [
        ({"multiProcessorCount": 132, "maxThreadsPerMultiProcessor": 2048}, 132 * 8),  # H100/H200
        ({"multiProcessorCount": 108, "maxThreadsPerMultiProcessor": 2048}, 108 * 8),  # A100
        (
            {
                "multiProcessorCount": 40,
                "maxThreadsPerMultiProcessor": 1024,
                "maxBlocksPerMultiProcessor": 2,
            },
            80,
        ),
        ({}, cupy_fused.FIXED_BLOCKS),
    ],
    ids=["h100", "a100", "block-limit", "unknown"],
)
def test_the_fused_grid_is_one_wave_of_the_device(properties, blocks):
    assert cupy_fused.resident_blocks(properties) == blocks
    assert cupy_fused.blocks_for(10**8, blocks) == blocks  # a large input: the whole wave
    assert cupy_fused.blocks_for(1000, blocks) == 4  # a small one: a block per 256 points


def test_the_fixed_grid_computes_the_same_moments(stand_in):
    cupy = backends.load("cupy")
    args = moments_args(cupy, "float64")
    sized = cupy.to_numpy(cupy.sync(cupy.ops.residual_moments(*args, False)))
    cupy_fused.use_fixed_grid(True)
    try:
        fixed = cupy.to_numpy(cupy.sync(cupy.ops.residual_moments(*args, False)))
    finally:
        cupy_fused.use_fixed_grid(False)
    np.testing.assert_allclose(fixed, sized, rtol=1e-12)
