"""The asv suite imports and discovers in the current environment (``asv check``)."""

import importlib.util
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parents[1]


@pytest.mark.skipif(importlib.util.find_spec("asv") is None, reason="asv is not installed")
def test_asv_check_finds_no_problems():
    proc = subprocess.run(
        [sys.executable, "-m", "asv", "check", "--python=same"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No problems found" in proc.stdout


def test_benchmarks_import_nothing_asv_environments_lack():
    source = "\n".join(p.read_text() for p in (ROOT / "benchmarks").glob("*.py"))
    assert "pytest" not in source


def asv_config(name):
    import json

    return json.loads((ROOT / name).read_text())


@pytest.mark.parametrize(
    ("config", "platform", "extra"),
    [("asv.conf.json", "cpu", "[jax,numba]"), ("asv.cuda.conf.json", "gpu", "cuda12")],
    ids=["cpu", "cuda"],
)
def test_each_asv_configuration_measures_one_platform(config, platform, extra):
    conf = asv_config(config)
    assert conf["matrix"]["env_nobuild"]["DESCENT_BENCH_PLATFORM"] == [platform]
    assert extra in conf["install_command"][0]


def test_the_asv_configurations_keep_their_results_apart():
    cpu, cuda = asv_config("asv.conf.json"), asv_config("asv.cuda.conf.json")
    assert {k: cpu[k] != cuda[k] for k in ("results_dir", "env_dir", "html_dir")} == {
        "results_dir": True,
        "env_dir": True,
        "html_dir": True,
    }


@pytest.mark.parametrize(("platform", "runs"), [("gpu", False), ("cpu", True)])
def test_a_configuration_for_one_platform_skips_rows_on_another(monkeypatch, platform, runs):
    from descent_bench import bench

    monkeypatch.setenv("DESCENT_BENCH_PLATFORM", platform)
    try:
        bench.Workload.build("paraboloid", 10, "float64", "numpy")
    except bench.Unavailable as exc:
        assert not runs and "measures gpu rows only" in str(exc)
    else:
        assert runs


@pytest.mark.skipif(importlib.util.find_spec("asv") is None, reason="asv is not installed")
def test_asv_check_finds_no_problems_in_the_cuda_configuration():
    proc = subprocess.run(
        [sys.executable, "-m", "asv", "check", "--config", "asv.cuda.conf.json", "--python=same"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0 and "No problems found" in proc.stdout, proc.stdout + proc.stderr
