"""The parts of scripts/gpu-check.sh that a CPU can check: it refuses a machine whose GPU
paths are not on a GPU, names the results folder after the GPU, finds disagreements and
timing that depends on K, and writes its README."""

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
_spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "scripts" / "gpu_check.py")
gpu_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gpu_check)


def status(name, usable=True, platform="gpu", accelerators=(), warnings=(), reason=None):
    return {
        "name": name,
        "usable": usable,
        "reason": reason,
        "platform": platform if usable else None,
        "platform_reason": "why",
        "accelerators": list(accelerators),
        "warnings": list(warnings),
    }


H100 = "cuda:0 NVIDIA H100 80GB HBM3"
READY = {"backends": [status("jax", accelerators=[H100]), status("cupy", accelerators=[H100])]}


def test_a_ready_machine_passes_the_preflight():
    assert gpu_check.preflight_problems(READY, "", "Driver Version : 570.86.15") == []


@pytest.mark.parametrize(
    ("info", "stderr", "want"),
    [
        ({"backends": [status("jax", platform="cpu"), READY["backends"][1]]}, "", "not on a GPU"),
        (
            {"backends": [READY["backends"][0], status("cupy", usable=False, reason="x")]},
            "",
            "cupy is unusable",
        ),
        (
            {"backends": [status("jax", warnings=["plugin failed"]), READY["backends"][1]]},
            "",
            "plugin failed",
        ),
        (READY, "W external/xla: CUDA plugin failed to load", "stderr"),
    ],
    ids=["jax-on-cpu", "cupy-unusable", "plugin-warning", "plugin-error-on-stderr"],
)
def test_the_preflight_refuses(info, stderr, want):
    problems = gpu_check.preflight_problems(info, stderr, "Driver Version : 570")
    assert len(problems) == 1 and want in problems[0]


def test_the_results_folder_is_named_after_the_gpu_model():
    assert gpu_check.gpu_name(READY) == "nvidia-h100-80gb-hbm3"


def test_no_gpu_model_no_folder_name():
    with pytest.raises(SystemExit, match="no usable backend names a GPU model"):
        gpu_check.gpu_name({"backends": [status("jax", platform="cpu", accelerators=[])]})


def test_disagreeing_rows_are_named():
    rows = [
        {"backend": "jax", "problem": "sine", "size": 2000, "dtype": "float32", "agrees": True},
        {
            "backend": "cupy",
            "problem": "sine",
            "size": 10**7,
            "dtype": "float32",
            "agrees": False,
            "max_rel_diff": 3e-3,
        },
    ]
    assert gpu_check.disagreements(rows) == [
        "cupy sine N=10000000 float32: max rel diff 0.003 outside the bound"
    ]


@pytest.mark.parametrize(
    ("per_k", "honest"),
    [({10: 1.3, 100: 1.05, 1000: 1.0}, True), ({10: 9.0, 100: 9.1, 1000: 3.0}, False)],
    ids=["constant", "depends-on-k"],
)
def test_timing_that_depends_on_k_is_found(per_k, honest):
    assert (gpu_check.k_problems("jax", per_k) == []) == honest


@pytest.mark.parametrize(
    ("device", "host", "honest"), [(1.0, 1.05, True), (1.0, 2.0, False), (0.0, 1.0, False)]
)
def test_the_two_clocks_must_agree(device, host, honest):
    assert (gpu_check.clock_problems("cupy", device, host) == []) == honest


@pytest.mark.parametrize(("ceiling", "honest"), [(3000.0, True), (900.0, False), (9000.0, False)])
def test_the_ceiling_is_held_against_a_copy_kernel(ceiling, honest):
    assert (gpu_check.ceiling_problems(ceiling, 3000.0, "gpu") == []) == honest


def test_timing_writes_each_k_and_both_clocks(tmp_path):
    out = tmp_path / "timing.json"
    gpu_check.main(["timing", str(out), "--backends", "numpy", "--size", "2000"])
    (row,) = json.loads(out.read_text())
    assert sorted(int(k) for k in row["us_per_iteration"]) == [10, 100, 1000]
    # NumPy has no event clock of its own: host time only, and nothing to compare
    assert row["device_seconds"] is None and row["host_seconds"] > 0
    assert gpu_check.clock_problems("numpy", None, row["host_seconds"]) == []


def test_the_readme_lists_every_command(tmp_path):
    gpu_check.write_readme(tmp_path, "nvidia-smi -q > nvidia-smi.txt\ndescent-bench info\n")
    text = (tmp_path / "README.md").read_text()
    assert "nvidia-smi -q > nvidia-smi.txt\ndescent-bench info\n" in text


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_script_stops_when_jax_is_not_on_a_gpu(tmp_path):
    pytest.importorskip("jax", reason="jax is not installed")
    results_before = sorted((ROOT / "results").iterdir())
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "gpu-check.sh"), str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1 and "jax is not on a GPU" in proc.stderr
    assert "descent-bench info --json" in (tmp_path / "out" / "commands.txt").read_text()
    assert sorted((ROOT / "results").iterdir()) == results_before  # no results folder


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_the_script_is_shellcheck_clean():
    proc = subprocess.run(
        ["shellcheck", str(ROOT / "scripts" / "gpu-check.sh")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout
