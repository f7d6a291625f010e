"""The C limit references: the fused descent agrees with the reference, NaN still shows,
and without a compiler the rows that need it are left out with the reason."""

import numpy as np
import pytest

import reference as ref
from descent_bench import kernels
from descent_bench.native import build
from descent_bench.native import fused as native
from descent_bench.timing import rows as contenders

needs_c = pytest.mark.skipif(
    native.unavailable_reason() is not None,
    reason=f"C reference unavailable: {native.unavailable_reason()}",
)

ITERATIONS = 300


@needs_c
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("loss", kernels.LOSSES)
@pytest.mark.parametrize(("points", "degree"), [(7, 3), (2001, 3), (500, 5)], ids=str)
def test_fused_c_descent_agrees_with_reference(points, degree, loss, dtype):
    problem = kernels.SineFit(points, degree, loss_name=loss)
    start = problem.initial_params(seed=11)
    lr = {"sse": 1e-6 * 2000 / max(points, 2000), "mse": 3e-3, "mae": 1e-3}[loss]
    lr /= 1000 if degree > 3 else 1  # the curvature grows as mean(x^(2d)): stay stable
    x, y = ref.sine_data(points)
    want = ref.sine_descent(x, y, start, lr, ITERATIONS, loss)

    loop = contenders.fused_c_loop(problem)
    got = loop(start, (x.astype(dtype), y.astype(dtype)), lr, ITERATIONS)

    scale = max(np.linalg.norm(want), np.linalg.norm(start))
    assert got.dtype == np.dtype(dtype)
    assert ref.relative_error(got, want, scale) <= ref.descent_tolerance(
        dtype, ITERATIONS, degree + 1
    )


@needs_c
@pytest.mark.parametrize("sign", [False, True])
def test_fused_c_descent_keeps_nan(sign):
    x = np.linspace(-1, 1, 64)
    got = native.load().moment_descent(np.array([np.nan, 0, 0, 0]), x, np.sin(x), 1e-3, 2, sign)
    assert np.isnan(got).all()


@needs_c
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_c_stream_read_sums_every_element(dtype):
    assert native.load().stream_sum(np.ones(1001, dtype=dtype)) == 1001.0


def test_no_fused_c_row_for_a_problem_that_is_not_a_polynomial_descent():
    assert contenders.fused_c_loop(kernels.Paraboloid()) is None


def test_a_missing_compiler_is_a_reason_not_a_crash(monkeypatch, tmp_path):
    monkeypatch.setenv("CC", "no-such-compiler")
    with pytest.raises(native.NativeUnavailable, match="no-such-compiler"):
        build._build("int x;", tmp_path / "x.so", (("-shared",),))


def test_without_a_compiler_there_is_no_c_fused_row(monkeypatch):
    monkeypatch.setattr(native, "unavailable_reason", lambda: "no C compiler")
    assert contenders.fused_c_loop(kernels.SineFit()) is None
