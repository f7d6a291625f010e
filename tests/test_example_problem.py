"""A problem from another package (examples/ridge, registered through the
``descent_bench.problems`` entry point group) runs through fit, compare, diff and the asv
suite with no change to descent-bench. The README's install puts it in the test
environment; elsewhere these tests are skipped with the reason."""

import json
import pathlib
import subprocess
import sys

import pytest

from descent_bench import kernels
from descent_bench.cli import main

ridge = pytest.importorskip(
    "descent_bench_ridge",
    reason="the example problem is not installed (pip install -e examples/ridge)",
)
ROOT = pathlib.Path(__file__).parents[1]
SMALL = [
    "--problems",
    "ridge",
    "--backends",
    "numpy",
    "--baselines",
    "--sizes",
    "300",
    "--iterations",
    "20",
]


def test_the_entry_point_registers_the_problem():
    assert kernels.PROBLEMS["ridge"] is ridge.Ridge


def test_fit_runs_it_with_its_own_options(capsys):
    code = main(["fit", "ridge", "--samples", "400", "--features", "3", "--json"])
    record = json.loads(capsys.readouterr().out)
    assert (code, record["problem"], len(record["params"])) == (0, "ridge", 3)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ridge")
    paths = [folder / "a.json", folder / "b.json"]
    for path in paths:
        argv = ["compare", *SMALL, "--processes", "1", "--budget", "0", "--json", str(path)]
        assert main(argv) == 0
    return paths


def test_compare_measures_it_and_its_tutorial_and_both_agree(two_runs):
    records = json.loads(two_runs[0].read_text())["records"]
    assert {r["backend"] for r in records} == {"tutorial", "numpy"}
    assert all(r["agrees"] and r["problem"] == "ridge" for r in records)
    # it describes its step (an AffineStep): its rows meet the exact reference
    assert {r["reference"] for r in records} == {"exact"}


def test_diff_compares_two_runs_of_it(two_runs, capsys):
    code = main(["diff", *map(str, two_runs)])
    out = capsys.readouterr().out
    assert code == 0 and "ridge" in out


def test_the_asv_suite_has_a_benchmark_for_it_and_runs_it():
    # In a process of its own, as asv runs it: a benchmark pins its process's threads.
    code = (
        "from benchmarks.bench_descent import Ridge; b = Ridge(); "
        "b.setup('numpy', 1000, 'float64'); b.time_run('numpy', 1000, 'float64'); "
        "print(b.params[1], b.track_agreement_bound_used('numpy', 1000, 'float64') <= 1)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["[1000,", "100000]", "True"]
