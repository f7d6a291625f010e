"""descent_bench.bench, the interface the asv and pytest-benchmark suites stand on."""

import subprocess
import sys

import numpy as np
import pytest

import reference as ref
from availability import skip_mark
from descent_bench import bench
from descent_bench.kernels import PROBLEMS
from descent_bench.reference.answer import reference


def test_history_sizes_keep_to_the_element_cap():
    for name in bench.problem_names():
        kept = bench.history_sizes(name)
        assert kept, name
        assert set(kept) <= set(bench.sizes(name))
        assert all(PROBLEMS[name].at_size(s).elements <= bench.HISTORY_MAX_ELEMENTS for s in kept)
    assert 10_000_000 not in bench.history_sizes("sine")


def test_sine_reference_is_exact_and_near_the_vandermonde_descent_of_tests_reference():
    problem = PROBLEMS["sine"].at_size(2000)
    lr, iterations = problem.stable_lr(), 50
    found = reference(problem, iterations, lr)
    x, y = ref.sine_data(2000)
    want = ref.sine_descent(x, y, problem.initial_params(seed=0), lr, iterations)
    assert found.kind == "exact"
    np.testing.assert_allclose(found.params, want, rtol=1e-12)


@pytest.mark.parametrize("problem", ["sine", "paraboloid"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_numpy_is_off_the_exact_answer_but_within_its_bound(problem, dtype):
    agreement = bench.Workload.build(problem, 2000, dtype, "numpy").agreement()
    assert agreement.reference == "exact"
    assert 0 < agreement.max_rel_diff <= agreement.bound
    assert agreement.check() == agreement.max_rel_diff


def test_a_wrong_answer_is_a_disagreement_on_numpy_too():
    workload = bench.Workload.build("sine", 2000, "float64", "numpy")
    workload.params = workload.params * (1 + 1e-6)  # a start the reference does not share
    agreement = workload.agreement()
    assert agreement.max_rel_diff > agreement.bound
    with pytest.raises(bench.Disagreement, match="exceeds the bound"):
        agreement.check()


def test_compile_fresh_runs_one_iteration():
    workload = bench.Workload.build("sine", 2000, "float64", "numpy")
    once = workload.backend.to_numpy(workload.compile_fresh())
    np.testing.assert_allclose(once, workload.backend.to_numpy(workload.run(1)))


def test_threads_pin_the_process_and_the_blas_pool():
    code = (
        "import os, threadpoolctl; from descent_bench import bench; "
        "w = bench.Workload.build('sine', 2000, 'float64', 'numpy', threads=1); "
        "pools = {p['num_threads'] for p in threadpoolctl.threadpool_info()}; "
        "print(w.threads, len(os.sched_getaffinity(0)), sorted(pools))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split(None, 2)[:2] == ["1", "1"]
    assert out.stdout.split(None, 2)[2].strip() in {"[]", "[1]"}


@pytest.mark.parametrize(
    ("loop", "backend"),
    [("own", "numpy"), pytest.param("naive", "jax", marks=skip_mark("jax")), ("tutorial", "numpy")],
)
def test_every_loop_runs_the_same_descent(loop, backend):
    own = bench.Workload.build("sine", 2000, "float64", "numpy")
    other = bench.Workload.build("sine", 2000, "float64", backend, loop=loop)
    np.testing.assert_allclose(other.result(), own.result(), rtol=1e-9)


def test_a_loop_that_does_not_exist_is_unavailable_with_its_reason():
    with pytest.raises(bench.Unavailable, match="tutorial has no loop for sine on jax"):
        bench.Workload.build("sine", 2000, "float64", "jax", loop="tutorial")
    with pytest.raises(ValueError, match="unknown loop"):
        bench.Workload.build("sine", 2000, "float64", "numpy", loop="fastest")


def test_table_rows_come_from_the_registry():
    rows = bench.table_rows()
    assert rows[0] == ("tutorial", "numpy", "tutorial")
    assert {backend for _, backend, loop in rows if loop == "own"} == set(bench.backend_names())
