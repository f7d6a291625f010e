"""The execution paths chosen for speed: compiled once, phrased as measured, cheap to time."""

import logging

import pytest

from availability import require
from descent_bench import backends, kernels
from descent_bench.measurement.contenders import own_loop
from descent_bench.measurement.timing import measure
from descent_bench.measurement.workloads import make_problem


@pytest.fixture
def jax_backend():
    return require("jax")


def loop_compilations(caplog):
    return [r for r in caplog.records if r.getMessage().startswith("Compiling jit(loop)")]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_jax_compiles_the_loop_once_per_shape_and_dtype(jax_backend, caplog, dtype):
    import jax

    problem = make_problem("sine", 2003)  # a shape no other test compiles
    row = own_loop(jax_backend)
    jax.config.update("jax_log_compiles", True)
    try:
        with caplog.at_level(logging.WARNING):
            measure(row, problem, dtype, 1e-6, problem.initial_params(), 50, repeat=5)
            measure(row, problem, dtype, 2e-6, problem.initial_params(seed=1), 70, repeat=3)
            kernels.descend(problem, jax_backend, dtype=dtype, iterations=40, checkpoints=[7])
    finally:
        jax.config.update("jax_log_compiles", False)
    assert len(loop_compilations(caplog)) == 1


def test_numpy_phrases_the_sine_gradient_with_blas():
    numpy = backends.load("numpy")
    assert {numpy.gradient_form(n) for n in (1, 2000, 10**7)} == {"features"}


def test_jax_switches_phrasing_at_the_measured_crossover(jax_backend):
    cut = jax_backend.features_up_to
    assert (jax_backend.gradient_form(cut), jax_backend.gradient_form(cut + 1)) == (
        "features",
        "elementwise",
    )


def test_both_phrasings_give_the_same_gradient():
    numpy = backends.load("numpy")
    problem = kernels.SineFit(points=501, degree=4, loss_name="mse")
    params = problem.initial_params(seed=6)
    grads = []
    for form in kernels.FORMS:
        phrased = problem.phrased(form)
        data = tuple(numpy.asarray(a, "float64") for a in phrased.host_data())
        grads.append(phrased.gradient(numpy.ops, params, data))
    assert grads[0] == pytest.approx(grads[1], rel=1e-12)


def test_unknown_form_is_rejected():
    with pytest.raises(ValueError, match="choose from elementwise, features"):
        kernels.SineFit().phrased("fft")
