"""The asv suite: discovers, reads lower-is-better, pins threads, and fails old commits once."""

import ast
import importlib.util
import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parents[1]
CONF = json.loads((ROOT / "asv.conf.json").read_text())
needs_asv = pytest.mark.skipif(importlib.util.find_spec("asv") is None, reason="asv not installed")


@needs_asv
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


def benchmark_names():
    """(class, method) of every benchmark method in benchmarks/."""
    found = []
    for path in (ROOT / "benchmarks").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                found += [
                    (node.name, f.name)
                    for f in node.body
                    if isinstance(f, ast.FunctionDef) and f.name.startswith(("time_", "track_"))
                ]
    return found


def test_every_track_reads_lower_is_better():
    tracks = {method for _, method in benchmark_names() if method.startswith("track_")}
    # asv has no higher-is-better setting: a rate (iterations/s, GB/s) must not be a track.
    assert tracks == {"track_max_rel_diff", "track_agreement_bound_used", "track_instructions"}


def test_every_asv_install_runs_the_compatibility_check():
    assert "{conf_dir}/benchmarks/compat.py" in CONF["install_command"][-1]


def test_threads_are_an_environment_of_the_matrix():
    assert CONF["matrix"]["env_nobuild"]["DESCENT_BENCH_THREADS"] == ["1"]


def test_results_are_kept_under_results():
    assert pathlib.PurePosixPath(CONF["results_dir"]).parts[0] == "results"


def run_compat(*, pythonpath):
    env = {"PYTHONPATH": str(pythonpath), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-S", str(ROOT / "benchmarks" / "compat.py")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_a_commit_before_the_public_api_fails_with_one_line(tmp_path):
    (tmp_path / "descent_bench").mkdir()
    (tmp_path / "descent_bench" / "__init__.py").write_text("")  # an old layout: no bench
    proc = run_compat(pythonpath=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert "no benchmarks at this commit" in proc.stderr


def test_a_commit_with_the_public_api_passes_the_check():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "compat.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (0, "")


def test_the_bound_benchmark_fails_outside_the_bound(monkeypatch):
    from benchmarks import compat
    from benchmarks.bench_descent import SineFit

    case = SineFit()
    case.workload = object()
    monkeypatch.setattr(compat, "agreement", lambda workload: (1e-3, 1e-6))
    with pytest.raises(AssertionError, match="exceeds bound"):
        case.track_agreement_bound_used("numpy", 2000, "float64")
    monkeypatch.setattr(compat, "agreement", lambda workload: (1e-7, 1e-6))
    assert case.track_agreement_bound_used("numpy", 2000, "float64") == pytest.approx(0.1)


def test_compile_time_is_skipped_with_its_reason_where_nothing_compiles():
    # In a child process: a benchmark's setup pins its process to the configured threads.
    code = (
        "from benchmarks.bench_descent import CompileTime\n"
        "try:\n    CompileTime().setup('numpy', 'sine', 'float64')\n"
        "except NotImplementedError as exc:\n    print(type(exc).__name__, exc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert proc.stdout.startswith("SkipNotImplemented numpy does not compile its loop")


def test_backend_parameters_are_todays_registry_at_every_commit(monkeypatch):
    from benchmarks import compat
    from descent_bench import backends

    source = compat.registry_in_source()
    assert source == backends.names()[: len(source)]  # then the plugins' and the xp: ones
    # An older commit's registry is a prefix of today's: the list stays the same.
    monkeypatch.setattr(compat.bench, "backend_names", lambda: backends.names()[:2])
    assert compat.backend_names() == backends.names()
