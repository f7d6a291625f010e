"""The agreement check has power: every applicable fault of ``faults`` is caught on every CPU
backend in both dtypes (the sine fit at 2,000 points, the paraboloid at its default sizes),
no honest configuration of a sample raises an alarm, a description that disagrees with its
step is refused, and every row names what it was checked against. The full sweep behind
docs/validation.md is ``docs/experiments/validation_sweep.py``."""

import json
from dataclasses import dataclass

import pytest

import faults
import sweep
from availability import skip_mark
from descent_bench import kernels
from descent_bench.cli import main
from descent_bench.kernels import PolynomialDescent
from descent_bench.output.document import load
from descent_bench.timing.workloads import call_iterations

CPU = ("numpy", "jax", "numba", "torch", "strict")
PROBLEMS = [kernels.SineFit(2000)] + [
    kernels.Paraboloid(2, walkers) for walkers in kernels.Paraboloid.default_sizes
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "backend", [pytest.param(name, id=name, marks=skip_mark(name)) for name in CPU]
)
@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: f"{p.name}-{p.size}")
def test_every_applicable_fault_is_caught_and_the_honest_row_agrees(problem, backend, dtype):
    distance, tolerance, verdicts = faults.power(backend, problem, dtype, call_iterations(problem))
    assert distance <= tolerance
    missed = [v.fault for v in verdicts if v.outcome == "MISSED"]
    assert not missed, [v.cell for v in verdicts]
    # in float32, lr off by a thousandth is always within reach
    assert {v.fault: v.outcome for v in verdicts}["lr off"] == "caught"


SAMPLE = sweep.configs(6, seed=7)


@pytest.mark.parametrize(
    "config",
    [pytest.param(c, marks=skip_mark(c.backend.removesuffix("-standard"))) for c in SAMPLE],
    ids=[f"{i}-{c.backend}-{c.dtype}" for i, c in enumerate(SAMPLE)],
)
def test_an_honest_configuration_raises_no_alarm(config):
    distance, tolerance, _ = sweep.run(config)
    assert distance <= tolerance, config.label


def stable_fraction(problem, fraction):
    return fraction * sweep.largest_stable_lr(problem)


# Where the first sweep raised false alarms: an answer that underflows float32 (0.9^2000),
# and a direction converged below one step's rounding, where the rounded iterate stalls.
EDGES = [
    (kernels.Paraboloid(3, 1000), 0.05, 269),
    (kernels.SineFit(10_000, 3), stable_fraction(kernels.SineFit(10_000, 3), 0.9), 283),
]


@pytest.mark.parametrize(
    "backend",
    [pytest.param(n, marks=skip_mark(n.removesuffix("-standard"))) for n in sweep.CPU_BACKENDS],
)
@pytest.mark.parametrize(("problem", "lr", "seed"), EDGES, ids=["underflow", "stalled"])
def test_an_edge_of_the_model_raises_no_alarm(problem, lr, seed, backend):
    config = sweep.Config(problem, lr, seed, backend, "float32", None)
    distance, tolerance, _ = sweep.run(config)
    assert distance <= tolerance, config.label


@dataclass(frozen=True)
class MisdescribedSine(kernels.SineFit):
    """The sine fit whose description forgets that sse's constant is 2."""

    name = "misdescribed"

    def polynomial_descent(self):
        return PolynomialDescent(1.0, sign=False)


def test_a_problem_whose_step_disagrees_with_its_description_is_refused(monkeypatch, capsys):
    monkeypatch.setitem(kernels.PROBLEMS, "misdescribed", MisdescribedSine)
    argv = ["compare", "--problems", "misdescribed", "--backends", "numpy", "--sizes", "100"]
    code = main([*argv, "--iterations", "5", "--processes", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "misdescribed" in err[0] and "elementwise phrasing" in err[0]
    assert "away from the mathematics it describes" in err[0]


@pytest.fixture(scope="module")
def float32_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("validation") / "r.json"
    argv = ["compare", "--backends", "numpy,numba", "--problems", "sine,paraboloid"]
    argv += ["--sizes", "2000", "--dtype", "float32", "--processes", "1", "--budget", "0"]
    assert main([*argv, "--json", str(path)]) == 0
    return path


def test_each_record_keeps_its_tolerance_and_the_model_that_gave_it(float32_run):
    records = json.loads(float32_run.read_text())["records"]
    for record in records:
        assert 0 < record["max_rel_diff"] <= record["tolerance"] < 1e-4, record["backend"]
        assert record["bound_model"].startswith("probabilistic")
    sums = {r["backend"]: r["bound_model"] for r in records if r["problem"] == "sine"}
    assert sums["numba"].endswith("sums in float64")  # its fused loop, declared
    assert sums["numpy"].endswith("sums in float32")
    loaded = load(float32_run.read_text()).records
    assert [r.tolerance for r in loaded] == [r["tolerance"] for r in records]


def test_a_file_from_before_tolerances_loads_without_them():
    from pathlib import Path

    old = load((Path(__file__).parent / "data" / "compare-v1.json").read_text())
    assert {r.tolerance for r in old.records} == {None}
    assert {r.bound_model for r in old.records} == {""}


def test_the_summary_names_what_each_problem_was_checked_against(float32_run, capsys):
    assert main(["show", str(float32_run)]) == 0
    out = capsys.readouterr().out
    assert "sine, paraboloid: 4 of 4 rows within their tolerances of the exact answer." in out


def test_a_problem_without_mathematics_is_not_said_to_agree(monkeypatch, capsys):
    from test_extending import Quadratic

    monkeypatch.setitem(kernels.PROBLEMS, "quadratic", Quadratic)
    argv = ["compare", "--problems", "quadratic", "--backends", "numpy", "--sizes", "5"]
    assert main([*argv, "--iterations", "5", "--processes", "1", "--budget", "0"]) == 0
    out = capsys.readouterr().out
    assert "quadratic: no independent check; the row was compared with the kernel" in out
    assert "self: compared with the kernel itself on NumPy" in out
    assert " yes" not in out.split("Summary:")[0]
