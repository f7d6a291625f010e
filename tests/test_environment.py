"""A jax that is installed but cannot start is an unusable backend with its reason, never a
crash of commands that do not need it."""

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


def run(args, extra_env):
    env = {**os.environ, **extra_env}
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
    jax_line = next(line for line in proc.stdout.splitlines() if line.startswith("jax "))
    assert (proc.returncode, "Traceback" in proc.stderr) == (0, False)
    assert "unusable: jax" in jax_line


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
