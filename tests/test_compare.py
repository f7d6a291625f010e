"""descent-bench compare: the JSON document, agreement, exit codes, atomic files."""

import importlib.util
import json
import pathlib
import subprocess
import sys

import pytest

from descent_bench import __version__
from descent_bench.backends.numpy import NumpyBackend
from descent_bench.cli import main
from descent_bench.native import fused as native
from descent_bench.timing import planning, rounds, suite
from descent_bench.timing.rows import Row

RECORD_KEYS = {
    "backend",
    "library",
    "device",
    "problem",
    "size",
    "dtype",
    "iterations",
    "compile_seconds",
    "seconds_per_iteration",
    "iterations_per_second",
    "bytes_per_iteration",
    "gbytes_per_second",
    "bandwidth_fraction",
    "samples",
    "noisy",
    "threads",
    "reference",
    "max_rel_diff",
    "agrees",
}
# The built-in problems only: a problem another installed package registers is not this test's.
SMALL = [
    "compare",
    "--problems",
    "sine,paraboloid",
    "--sizes",
    "7,2000",
    "--iterations",
    "20",
    "--min-rounds",
    "4",
    "--budget",
    "0",
]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("compare") / "r.json"
    code = main([*SMALL, "--backends", "numpy,jax", "--baselines", "--json", str(path)])
    return code, json.loads(path.read_text())


def test_named_backends_run_without_baselines_unless_asked(tmp_path, capsys):
    path = tmp_path / "r.json"
    assert main([*SMALL, "--backends", "numpy", "--sizes", "7", "--json", str(path)]) == 0
    rows = {(r["backend"], r["problem"]) for r in json.loads(path.read_text())["records"]}
    assert rows == {("numpy", "sine"), ("numpy", "paraboloid")}


def test_compare_exits_0_when_every_row_agrees(small_run):
    code, doc = small_run
    assert code == 0 and all(r["agrees"] for r in doc["records"])


def test_compare_json_schema(small_run):
    _, doc = small_run
    assert (doc["schema"], doc["version"]) == ("descent-bench/compare/3", __version__)
    assert {"cpu", "gpu", "libraries", "commit", "descent_bench"} <= set(doc["machine"])
    assert all(RECORD_KEYS <= set(r) for r in doc["records"])


def test_compare_covers_backends_and_baselines_at_each_size(small_run):
    _, doc = small_run
    rows = {(r["backend"], r["problem"], r["size"]) for r in doc["records"]}
    labels = ("tutorial", "numpy", "jax", "jax-standard", "jax-step")
    want = {(b, p, s) for b in labels for p in ("sine", "paraboloid") for s in (7, 2000)}
    if native.unavailable_reason() is None:  # the C reference, for the polynomial descent
        want |= {("c-fused", "sine", s) for s in (7, 2000)}
    assert rows == want


def test_records_keep_every_call_over_two_processes(small_run):
    _, doc = small_run
    for r in doc["records"]:
        assert len(r["samples"]) >= 2 and {s["process"] for s in r["samples"]} == {0, 1}
        assert r["threads"] == 1


def test_gbytes_follow_the_byte_model(small_run):
    _, doc = small_run
    record = next(r for r in doc["records"] if r["problem"] == "sine" and r["size"] == 2000)
    assert record["bytes_per_iteration"] == 2 * 2000 * 8
    assert record["gbytes_per_second"] == pytest.approx(
        record["bytes_per_iteration"] / record["seconds_per_iteration"] / 1e9
    )


def broken_loop(problem):
    def run(params, data, lr, k):
        return params + 1.0  # not a descent: must be caught as disagreeing

    return run


class BrokenBackend(NumpyBackend):
    name = "broken"

    def compile_loop(self, step):
        return broken_loop(None)


def test_a_disagreeing_row_is_shown_and_exits_1(monkeypatch, tmp_path, capsys):
    from descent_bench import backends

    def with_broken(names, problem, size, dtype="float64", iterations=1, threads=1, counts=(1,)):
        return [Row("broken", "broken", "own", problem, size, dtype, iterations, threads=threads)]

    backends.register("broken", BrokenBackend)
    monkeypatch.setattr(planning, "rows", with_broken)
    path = tmp_path / "r.json"
    try:
        code = main([*SMALL, "--problems", "sine", "--processes", "1", "--json", str(path)])
    finally:
        backends.unregister("broken")
    records = json.loads(path.read_text())["records"]
    assert code == 1 and not any(r["agrees"] for r in records)
    assert "broken" in capsys.readouterr().err


def test_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib not installed")
    path = tmp_path / "r.png"
    assert main([*SMALL, "--backends", "numpy", "--plot", str(path)]) == 0
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_interrupted_run_leaves_no_file(monkeypatch, tmp_path):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(rounds, "time_visits", interrupted)
    path = tmp_path / "r.json"
    code = main([*SMALL, "--backends", "numpy", "--processes", "1", "--json", str(path)])
    assert (code, list(tmp_path.iterdir())) == (130, [])


def test_json_write_is_atomic_on_failure(tmp_path):
    from descent_bench.output.files import write_json

    path = tmp_path / "r.json"
    with pytest.raises(TypeError):
        write_json(path, {"not serialisable": object()})
    assert list(tmp_path.iterdir()) == []


BAD = {
    "unknown-backend": ["--backends", "numpy,mxnet"],
    "unusable-backend": ["--backends", "cupy"],
    "unknown-problem": ["--problems", "cosine"],
    "zero-size": ["--sizes", "0"],
    "malformed-sizes": ["--sizes", "2000,x"],
    "too-few-points": ["--sizes", "3", "--problems", "sine"],
    "zero-iterations": ["--iterations", "0"],
    "two-min-rounds": ["--min-rounds", "2"],
    "too-many-min-rounds": ["--min-rounds", "401"],
    "unknown-dtype": ["--dtype", "int8"],
    "json-suffix": ["--json", "r.txt"],
    "json-dir": ["--json", "/nonexistent/dir/r.json"],
    "size-beyond-memory": ["--sizes", "100000000000"],
}


@pytest.mark.parametrize("argv", BAD.values(), ids=BAD.keys())
def test_bad_input_is_one_line_and_exit_2(capsys, argv):
    from descent_bench import backends

    if argv == ["--backends", "cupy"] and backends.get("cupy").unavailable_reason() is None:
        pytest.skip("cupy can run here")
    code = main(["compare", *argv])
    out, err = capsys.readouterr()
    assert (code, out, len(err.splitlines()), "Traceback" in err) == (2, "", 1, False)


def test_every_sine_and_paraboloid_row_met_the_exact_reference(small_run):
    _, doc = small_run
    assert {r["reference"] for r in doc["records"]} == {"exact"}


def test_the_numpy_row_shows_its_real_distance_from_the_exact_answer(small_run):
    _, doc = small_run
    numpy_rows = [r for r in doc["records"] if r["backend"] == "numpy"]
    assert numpy_rows and all(0 < r["max_rel_diff"] for r in numpy_rows)
    assert all(r["agrees"] for r in numpy_rows)


def test_show_reprints_a_saved_run_as_markdown(small_run, tmp_path, capsys):
    _, doc = small_run
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(doc))
    capsys.readouterr()
    code = main(["show", str(path), "--markdown"])
    lines = capsys.readouterr().out.splitlines()
    table = [line for line in lines if line.startswith("|")]
    assert (code, len(table)) == (0, 2 + len(doc["records"]))
    assert lines[0].startswith("- sine 7: ")  # the summary first


def test_show_reads_a_version_1_file(capsys):
    path = pathlib.Path(__file__).parent / "data" / "compare-v1.json"  # written by 0.1.0
    code = main(["show", str(path), "--markdown"])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("|")]
    records = json.loads(path.read_text())["records"]
    assert (code, len(lines)) == (0, 2 + len(records))
    assert lines[2].startswith(f"| *{records[0]['backend']}* | {records[0]['problem']} |")


@pytest.mark.parametrize("content", ["not json", '{"schema": "other"}'], ids=["bad", "schema"])
def test_show_rejects_what_is_not_a_compare_result(tmp_path, capsys, content):
    path = tmp_path / "x.json"
    path.write_text(content)
    code = main(["show", str(path)])
    err = capsys.readouterr().err
    assert (code, len(err.splitlines())) == (2, 1)


def test_plot_without_matplotlib_is_refused_before_measuring(monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    monkeypatch.setattr(suite, "run", lambda *args: pytest.fail("measured"))
    code = main([*SMALL, "--backends", "numpy", "--plot", "r.png"])
    err = capsys.readouterr().err
    assert (code, len(err.splitlines()), "matplotlib" in err) == (2, 1, True)


def record(label, library, devices, rate):
    from descent_bench.records.record import Record, Sample

    return Record(
        backend=label,
        library=library,
        device="cpu",
        problem="sine",
        size=4003,
        dtype="float64",
        iterations=10,
        compile_seconds=0.0,
        seconds_per_iteration=1 / rate,
        bytes_per_iteration=1,
        bandwidth_fraction=None,
        max_rel_diff=0.0,
        agrees=True,
        baseline=False,
        devices=devices,
        samples=tuple(Sample(10 / rate * f, 10, i, 0) for i, f in enumerate((0.99, 1, 1.01))),
    )


def test_parallel_efficiency_is_against_the_libraries_own_one_device_row():
    from descent_bench.records.ratios import relate

    rows = [
        record("jax", "jax", 1, 100.0),
        record("jax-2dev", "jax", 2, 150.0),
        record("jax-standard", "jax", 1, 50.0),
    ]
    efficiency = relate(rows, "tutorial").parallel_efficiency[1]
    assert efficiency.value == pytest.approx(0.75)
    assert efficiency.low <= 0.75 <= efficiency.high


def test_a_benchmark_workload_measures_the_phrasing_it_was_built_with(monkeypatch):
    from descent_bench import bench

    seen = []
    real = bench.prepare

    def spy(row, made=None):
        seen.append(made.form)
        return real(row, made)

    monkeypatch.setattr(bench, "prepare", spy)
    workload = bench.Workload.build("sine", 2000, "float64", "numpy", form="elementwise")
    assert workload.measure(repeat=1).agrees and seen == ["elementwise"]


@pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="torch is not installed: nothing to leave unimported",
)
def test_default_backends_leave_a_backend_not_meant_for_comparison_unimported():
    # Every worker process plans anew; importing torch there only to drop it costs seconds.
    code = (
        "import sys; from descent_bench.timing.planning import chosen_backends; "
        "names = [b.name for b in chosen_backends(None)]; "
        "print(' '.join(names)); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names, torch_imported = out.stdout.splitlines()
    from descent_bench import backends

    meant = [n for n in backends.names() if backends.get(n).in_default_compare]
    expected = [n for n in meant if backends.get(n).unavailable_reason() is None]
    assert names.split() == expected and "numpy" in expected
    assert torch_imported == "False"


@pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="torch is not installed: no version to read"
)
def test_library_versions_for_the_json_are_read_without_importing_the_libraries():
    code = (
        "import sys; from descent_bench import backends; found = backends.versions(); "
        "print('torch' in found, [m for m in ('torch', 'jax', 'numba') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split(None, 1) == ["True", "[]\n"]


def test_the_parent_of_the_measuring_processes_loads_no_backend(tmp_path):
    """The first worker plans: the process that prints imports none of the libraries."""
    script = (
        "import sys\n"
        "from descent_bench.cli import main\n"
        f"argv = {[*SMALL, '--problems', 'sine', '--backends', 'numpy,jax,numba']!r}\n"
        f"code = main([*argv, '--json', {str(tmp_path / 'r.json')!r}])\n"
        "print(code, sorted(m for m in ('jax', 'numba') if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=600
    )
    assert proc.stdout.splitlines()[-1] == "0 []", proc.stderr
    machine = json.loads((tmp_path / "r.json").read_text())["machine"]
    assert {"jax", "numba"} <= set(machine["libraries"])
