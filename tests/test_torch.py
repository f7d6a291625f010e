"""The torch backend's own rows: the compiled loop (compiled once, never silently eager),
the tutorial's tensor and autograd loops, and the rows a comparison shows."""

import numpy as np
import pytest

import reference as ref
from availability import require
from descent_bench import backends, kernels
from descent_bench.kernels import place
from descent_bench.timing import suite


@pytest.fixture(scope="module")
def torch_backend():
    return require("torch")


@pytest.fixture(scope="module")
def compiled(torch_backend):
    variant = torch_backend.compiled_variant()
    reason = variant.unavailable_reason()
    if reason:
        pytest.skip(f"{variant.label} unavailable: {reason}")
    return variant


def eager_params(problem, data, params, lr, k):
    return backends.load("torch").compile_loop(problem.step)(params, data, lr, k).numpy()


def test_compiled_loop_compiles_once_for_every_k_and_rate(compiled):
    import torch
    from torch._dynamo.utils import counters

    problem, data, params = place(kernels.SineFit(64), compiled, "float64", np.ones(4))
    run = compiled.compile_loop(problem.step)
    counters.clear()
    run(params, data, 1e-5, 1)
    assert counters["stats"]["unique_graphs"] == 1  # a graph was compiled: not eager

    with torch._dynamo.config.patch(error_on_recompile=True):
        got = run(params, data, 2e-5, 37).numpy()

    assert counters["stats"]["unique_graphs"] == 1
    np.testing.assert_allclose(got, eager_params(problem, data, params, 2e-5, 37), rtol=1e-12)


def test_each_shape_compiles_its_own_program_so_sizes_never_reach_the_limit(compiled):
    import torch

    with torch._dynamo.config.patch(recompile_limit=1):
        for walkers in (3, 5):
            problem = kernels.Paraboloid(2, walkers)
            problem, data, params = place(
                problem, compiled, "float32", problem.initial_params(seed=1)
            )
            got = compiled.compile_loop(problem.step)(params, data, 1e-3, 20).numpy()
            np.testing.assert_array_equal(got, eager_params(problem, data, params, 1e-3, 20))


def test_a_compiled_function_past_the_recompile_limit_fails_instead_of_running_eagerly():
    require("torch")
    import torch

    from descent_bench.backends.torch.compiled import compile_fresh

    twice_plus_one = compile_fresh(lambda a: a * 2 + 1)
    with torch._dynamo.config.patch(recompile_limit=1):
        twice_plus_one(torch.ones(3))
        with pytest.raises(torch._dynamo.exc.FailOnRecompileLimitHit):
            twice_plus_one(torch.ones(4))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("loss", kernels.LOSSES)
@pytest.mark.parametrize("label", ["torch-tensor", "torch-autograd"])
def test_tutorial_loops_agree_with_reference(torch_backend, label, loss, dtype):
    (baseline,) = [b for b in torch_backend.baselines() if b.label == label]
    problem = kernels.SineFit(257, 3, loss_name=loss)
    start = problem.initial_params(seed=1)
    lr = {"sse": 1e-5, "mse": 3e-3, "mae": 1e-3}[loss]
    x, y = ref.sine_data(257)
    want = ref.sine_descent(x, y, start, lr, 300, loss)

    problem, data, params = place(problem, torch_backend, dtype, start, baseline.form)
    got = baseline.make_loop(problem)(params, data, lr, 300).numpy()

    assert got.dtype == np.dtype(dtype)
    scale = max(np.linalg.norm(want), np.linalg.norm(start))
    assert ref.relative_error(got, want, scale) <= ref.descent_tolerance(dtype, 300, 4)


def test_tutorial_loops_exist_for_the_sine_fit_only(torch_backend):
    made = [
        (b.make_loop(kernels.SineFit(9)), b.make_loop(kernels.Paraboloid()))
        for b in torch_backend.baselines()
    ]
    assert [(sine is not None, paraboloid is None) for sine, paraboloid in made] == [
        (True, True),
        (True, True),
    ]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_comparison_shows_every_torch_row_agreeing(compiled, dtype):
    settings = suite.Settings(
        backends=("torch",),
        baselines=True,
        problems=("sine", "paraboloid"),
        sizes=(2000,),
        dtype=dtype,
        iterations=50,
        processes=1,
        budget_seconds=0,
    )
    result = suite.run(suite.plan(settings))
    rows = {(r.backend, r.problem): r for r in result.records if r.library == "torch"}
    assert set(rows) == {
        ("torch", "sine"),
        ("torch-compiled", "sine"),
        ("torch-tensor", "sine"),
        ("torch-autograd", "sine"),
        ("torch", "paraboloid"),
        ("torch-compiled", "paraboloid"),
    }
    assert all(r.agrees for r in rows.values()), {k: r.max_rel_diff for k, r in rows.items()}
    assert {r.device for r in rows.values()} == {"cpu"}


def test_without_torch_compile_the_compiled_row_is_left_out_with_its_reason(
    torch_backend, monkeypatch
):
    import torch

    monkeypatch.setattr(torch._dynamo, "is_dynamo_supported", lambda: False)
    assert_compiled_row_left_out("torch.compile does not")


def assert_compiled_row_left_out(reason: str) -> None:
    """A plan of every torch row leaves the compiled one out, with ``reason`` in its
    warning, and keeps the eager rows."""
    settings = suite.Settings(
        backends=("torch",), baselines=True, problems=("sine",), sizes=(2000,)
    )
    with pytest.warns(UserWarning, match=f"torch-compiled left out: {reason}"):
        rows = suite.plan(settings).rows
    labels = [row.label for row in rows if row.backend == "torch"]
    assert labels == ["torch", "torch-tensor", "torch-autograd"]


def test_limit_threads_sets_the_intra_op_threads(torch_backend):
    before = torch_backend.thread_count()
    try:
        torch_backend.limit_threads(1)
        assert torch_backend.thread_count() == 1
    finally:
        torch_backend.limit_threads(before)


def test_a_torch_without_while_loop_says_what_the_compiled_row_lacks(monkeypatch):
    pytest.importorskip("torch", reason="torch is not installed")
    import sys

    from descent_bench.backends.torch.backend import TorchBackend

    monkeypatch.setitem(sys.modules, "torch._higher_order_ops", None)  # its import fails
    reason = TorchBackend().compile_unavailable_reason()
    assert reason is not None and "while_loop" in reason and "2.13 or later" in reason


@pytest.mark.parametrize(
    ("version", "tuple_"),
    [("2.11.0+cu130", (2, 11)), ("2.13.0a0+git1234", (2, 13)), ("3.0", (3, 0)), ("", (0, 0))],
)
def test_torch_versions_are_read_as_major_minor(version, tuple_):
    from descent_bench.backends.torch.backend import version_tuple

    assert version_tuple(version) == tuple_


def test_a_torch_below_the_tested_floor_skips_the_compiled_row_with_its_reason(
    torch_backend, monkeypatch
):
    import torch

    from descent_bench.backends.torch.backend import TorchBackend

    monkeypatch.setattr(torch, "__version__", "2.11.0+cu130")  # the GPU node's torch
    reason = TorchBackend().compile_unavailable_reason()
    assert reason is not None and "2.13" in reason and "2.11.0+cu130" in reason
    # the compiled row is left out, visibly and with that reason; the eager rows stay
    assert_compiled_row_left_out("the compiled row was tested")
