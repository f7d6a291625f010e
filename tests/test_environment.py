"""A jax that is installed but cannot start is an unusable backend with its reason, never a
crash of commands that do not need it.

Every child process here runs with the GPUs hidden (``CUDA_VISIBLE_DEVICES=``), so that what
these tests mean by "no working accelerator" holds on a machine with a working jax CUDA
plugin too; the cases that need no plugin installed at all skip where one is."""

import json
import os
import subprocess
import sys

import pytest

BROKEN_JAX = {
    "platform-without-plugin": {"JAX_PLATFORMS": "cuda"},
    "unknown-platform": {"JAX_PLATFORMS": "bogus"},
    "bad-x64-value": {"JAX_ENABLE_X64": "garbage"},
    "bad-device-count": {"JAX_NUM_CPU_DEVICES": "abc"},
    "unknown-xla-flag": {"XLA_FLAGS": "--garbage"},
}


HIDDEN_GPUS = {"CUDA_VISIBLE_DEVICES": ""}


def entry(info: str, name: str) -> str:
    """A backend's entry in ``info``'s output: its line and the indented lines of its reason
    below, joined with single spaces."""
    lines = info.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{name} "))
    end = start + 1
    while end < len(lines) and lines[end].startswith("    "):
        end += 1
    return " ".join(" ".join(line.split()) for line in lines[start:end])


def real_plugins():
    """The accelerator plugins installed here, the tests' stand-in apart."""
    from descent_bench.backends.jax import platform

    return [p for p in platform.installed_plugins() if p != "failing_gpu"]


def skip_where_a_plugin_is_installed():
    pytest.importorskip("jax", reason="jax is not installed")
    if real_plugins():
        pytest.skip(f"a jax accelerator plugin is installed here: {real_plugins()}")


def run(args, extra_env):
    env = {**os.environ, **HIDDEN_GPUS, **extra_env}
    return subprocess.run(
        [sys.executable, "-m", "descent_bench.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("extra_env", BROKEN_JAX.values(), ids=BROKEN_JAX.keys())
def test_info_lists_jax_as_unusable_with_its_reason(extra_env):
    pytest.importorskip("jax", reason="jax is not installed")
    proc = run(["info"], extra_env)
    jax_line = entry(proc.stdout, "jax")
    assert (proc.returncode, "Traceback" in proc.stderr) == (0, False)
    assert "unusable jax" in jax_line


@pytest.mark.parametrize("extra_env", BROKEN_JAX.values(), ids=BROKEN_JAX.keys())
def test_fit_on_jax_says_why_in_one_line(extra_env):
    pytest.importorskip("jax", reason="jax is not installed")
    proc = run(["fit", "paraboloid", "--backend", "jax", "--iterations", "3"], extra_env)
    assert (proc.returncode, proc.stdout, len(proc.stderr.splitlines())) == (2, "", 1)
    assert "backend 'jax' cannot run here" in proc.stderr


def test_numpy_only_compare_runs_beside_a_broken_jax():
    argv = ["compare", "--backends", "numpy", "--problems", "paraboloid", "--sizes", "10"]
    proc = run([*argv, "--iterations", "5", "--budget", "0"], BROKEN_JAX["platform-without-plugin"])
    assert (proc.returncode, "Traceback" in proc.stderr) == (0, False)
    assert "numpy" in proc.stdout


@pytest.mark.parametrize(("given", "want"), [(None, "false"), ("true", "true")])
def test_the_command_line_turns_jax_gpu_preallocation_off_before_jax_starts(given, want):
    code = (
        "import os, sys\n"
        "from descent_bench.cli import main\n"
        "assert 'jax' not in sys.modules\n"
        "main(['fit', 'paraboloid', '--backend', 'jax', '--iterations', '2', '--json'])\n"
        "import jax\n"
        "print(os.environ['XLA_PYTHON_CLIENT_PREALLOCATE'])\n"
    )
    pytest.importorskip("jax", reason="jax is not installed")
    env = {k: v for k, v in os.environ.items() if k != "XLA_PYTHON_CLIENT_PREALLOCATE"}
    if given is not None:
        env["XLA_PYTHON_CLIENT_PREALLOCATE"] = given
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert proc.stdout.splitlines()[-1] == want


STAND_IN_PLUGIN = os.path.join(os.path.dirname(__file__), "stand_ins", "jax_plugin")


def with_failing_plugin():
    path = os.pathsep.join(p for p in (STAND_IN_PLUGIN, os.environ.get("PYTHONPATH")) if p)
    return {"PYTHONPATH": path, "JAX_PLATFORMS": ""}


def test_info_warns_when_a_gpu_plugin_failed_and_jax_fell_back_to_the_cpu():
    skip_where_a_plugin_is_installed()  # a hidden real plugin would warn too
    proc = run(["info"], with_failing_plugin())
    said = " ".join(line.strip() for line in proc.stderr.splitlines())  # wrapped to a width
    warnings = [m for m in said.split("descent-bench: ") if m.startswith("warning")]
    assert proc.returncode == 0 and len(warnings) == 1
    assert "failing_gpu" in warnings[0] and "driver version is insufficient" in warnings[0]


def test_info_json_records_each_backends_platform_and_why():
    skip_where_a_plugin_is_installed()
    proc = run(["info", "--json"], with_failing_plugin())
    jax_status = next(b for b in json.loads(proc.stdout)["backends"] if b["name"] == "jax")
    assert jax_status["platform"] == "cpu"
    assert "failing_gpu failed" in jax_status["platform_reason"]
    assert "driver version is insufficient" in jax_status["warnings"][0]


@pytest.mark.parametrize(
    ("extra_env", "want"),
    [({"JAX_PLATFORMS": "cpu"}, "JAX_PLATFORMS=cpu asks for it"), ({}, "no accelerator plugin")],
    ids=["asked", "no-plugin"],
)
def test_info_says_why_jax_runs_on_the_cpu(extra_env, want):
    if not extra_env:
        skip_where_a_plugin_is_installed()
    pytest.importorskip("jax", reason="jax is not installed")
    env = {"JAX_PLATFORMS": "", **extra_env}
    proc = run(["info"], env)
    jax_line = entry(proc.stdout, "jax")
    assert (proc.returncode, "usable on cpu" in jax_line, want in jax_line) == (0, True, True)


def test_jax_asked_for_cuda_without_a_plugin_says_so():
    pytest.importorskip("jax", reason="jax is not installed")
    from descent_bench.backends.jax import platform

    if platform.installed_plugins():
        pytest.skip(f"jax plugins are installed here: {platform.installed_plugins()}")
    proc = run(["info"], {"JAX_PLATFORMS": "cuda"})
    jax_line = entry(proc.stdout, "jax")
    assert proc.returncode == 0 and "no accelerator plugin is installed" in jax_line
