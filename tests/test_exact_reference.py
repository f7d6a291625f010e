"""The exact reference: its arithmetic against mpmath, and which problems it covers."""

import decimal
from decimal import Decimal

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference as ref
from descent_bench import kernels
from descent_bench.reference import exact
from descent_bench.reference import sums as sums_module
from descent_bench.reference.answer import reference

DIGITS = 25  # the extended-precision answers must match mpmath to at least this many


def close_to(got, want, scale):
    """|got - want| <= 10^-DIGITS scale, in mpmath at 60 digits."""
    with mpmath.workdps(60):
        return abs(mpmath.mpf(str(got)) - want) <= mpmath.mpf(10) ** -DIGITS * scale


@pytest.mark.parametrize(
    ("points", "degree", "loss"), [(40, 3, "sse"), (40, 3, "mse"), (33, 1, "sse"), (5, 0, "mse")]
)
def test_the_affine_descent_matches_mpmath_to_25_digits(points, degree, loss):
    problem = kernels.SineFit(points, degree, loss_name=loss)
    x, y = problem.host_data()
    start = problem.initial_params(seed=4)
    lr = 1e-3 if loss == "sse" else 0.05  # stable for these few points, and moving far
    scale = problem.polynomial_descent().constant
    iterations = 150
    got = exact.affine_descent(
        exact.power_sums(x, y, degree), start, lr, Decimal(scale), iterations
    )
    want = ref.sine_descent_mp(x, y, start, lr, iterations, scale)
    size = max(abs(w) for w in want)
    assert all(close_to(g, w, size) for g, w in zip(got, want, strict=True))
    # and the descent went somewhere: the answer is not the start
    assert max(abs(float(g) - s) for g, s in zip(got, start, strict=True)) > 1e-3


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(
        st.tuples(
            st.floats(-1e3, 1e3, allow_subnormal=False), st.floats(-1e3, 1e3, allow_subnormal=False)
        ),
        min_size=1,
        max_size=60,
    ),
    degree=st.integers(0, 3),
)
def test_power_sums_match_mpmath_on_any_data(values, degree):
    x = np.array([v[0] for v in values])
    y = np.array([v[1] for v in values])
    sums = sums_module.power_sums(x, y, degree)
    with mpmath.workdps(80):
        xs = [mpmath.mpf(float(v)) for v in x]
        ys = [mpmath.mpf(float(v)) for v in y]
        for k, got in enumerate(sums.of_x):
            terms = [v**k for v in xs]
            assert close_to(got, mpmath.fsum(terms), mpmath.fsum(abs(t) for t in terms) + 1)
        for j, got in enumerate(sums.of_xy):
            terms = [v**j * w for v, w in zip(xs, ys, strict=True)]
            assert close_to(got, mpmath.fsum(terms), mpmath.fsum(abs(t) for t in terms) + 1)


def test_power_sums_span_chunks():
    x = np.linspace(-3.0, 3.0, exact.CHUNK * 2 + 17)
    sums = exact.power_sums(x, np.cos(x), 2)
    with mpmath.workdps(60):
        want = mpmath.fsum(mpmath.mpf(float(v)) ** 4 for v in x)
    assert close_to(sums.of_x[4], want, want)
    assert sums.of_x[0] == x.size


@settings(max_examples=30, deadline=None)
@given(
    columns=st.lists(
        st.lists(st.floats(-1e6, 1e6, allow_subnormal=False), min_size=3, max_size=3),
        min_size=1,
        max_size=50,
    ),
)
def test_dots_match_mpmath_on_any_data(columns):
    rows = [np.array([c[j] for c in columns]) for j in range(3)]
    pairs = [(0, 0), (0, 1), (1, 2), (2, 2)]
    got = sums_module.dots(rows, pairs)
    with mpmath.workdps(80):
        for (j, k), value in zip(pairs, got, strict=True):
            pairs_of = zip(rows[j], rows[k], strict=True)
            terms = [mpmath.mpf(float(a)) * mpmath.mpf(float(b)) for a, b in pairs_of]
            assert close_to(value, mpmath.fsum(terms), mpmath.fsum(abs(t) for t in terms) + 1)


def test_sums_keep_what_float64_loses():
    # 1e16 + 1 - 1e16 is 0 in float64; the exact sums keep the 1 (a path that dropped an
    # addition's error, or a product's low part, fails here; the pairs span no chunk)
    x = np.array([1e8, 1.0, -1e8, 3.0])  # x^2: 1e16, 1, 1e16, 9; x^1 y with y = x: the same
    sums = sums_module.power_sums(x, np.array([1.0, 1.0, 1.0, 1.0]), 1)
    assert sums.of_x[1] == 4  # 1e8 + 1 - 1e8 + 3
    assert sums.of_x[2] == Decimal(2 * 10**16 + 10)
    big = np.array([1e16, 1.0, -1e16, 0.5])
    assert sums_module.dots([big, np.ones(4)], [(0, 1)])[0] == Decimal("1.5")
    odd = np.array([1.0 + 2**-30, 3.0])  # (1 + 2^-30)^2 = 1 + 2^-29 + 2^-60: past float64
    got = sums_module.dots([odd], [(0, 0)])[0]
    with decimal.localcontext(prec=100):
        assert got == (Decimal(1) + Decimal(2) ** -30) ** 2 + 9


@pytest.mark.parametrize("iterations", [1, 10, 5000])
def test_the_decay_factor_matches_mpmath_to_25_digits(iterations):
    got = exact.decay_factor(0.001, 2.0, iterations)
    with mpmath.workdps(60):
        want = (1 - mpmath.mpf(0.001) * 2) ** iterations
    assert close_to(got, want, want)


def test_decayed_is_the_exact_product_rounded_once():
    start = kernels.Paraboloid(3, 50).initial_params(seed=5)
    got = exact.decayed(start, 0.001, 2.0, 5000)
    with mpmath.workdps(60):
        factor = (1 - mpmath.mpf(0.001) * 2) ** 5000
        want = np.array([float(mpmath.mpf(float(v)) * factor) for v in start.ravel()])
    # the exact product rounded to nearest, off by at most one unit in the last place
    assert np.all(np.abs(got.ravel() - want) <= np.spacing(np.abs(want)))
    assert np.mean(got.ravel() == want) > 0.95


@pytest.mark.parametrize(
    ("problem", "kind"),
    [
        (kernels.SineFit(300), "exact"),
        (kernels.SineFit(300, loss_name="mse"), "exact"),
        (kernels.SineFit(300, degree=5), "exact"),
        (kernels.SineFit(300, loss_name="mae"), "independent"),
        (kernels.Paraboloid(2, 4), "exact"),
    ],
    ids=["sine-sse", "sine-mse", "sine-degree-5", "sine-mae", "paraboloid"],
)
def test_each_problem_meets_the_reference_its_mathematics_allows(problem, kind):
    found = reference(problem, 20, problem.stable_lr())
    assert found.kind == kind
    assert found.params.shape == problem.initial_params().shape


def test_the_exact_sine_answer_is_near_the_float64_descent():
    problem = kernels.SineFit(2000)
    found = reference(problem, 2000, problem.stable_lr())
    x, y = ref.sine_data(2000)
    want = ref.sine_descent(x, y, problem.initial_params(seed=0), problem.stable_lr(), 2000)
    error = ref.relative_error(found.params, want, want)
    assert 0 < error <= ref.descent_tolerance("float64", 2000, 4)


def test_the_exact_paraboloid_answer_is_the_closed_form():
    problem = kernels.Paraboloid(2, 3)
    found = reference(problem, 10, 0.001)
    start = problem.initial_params(seed=0)
    np.testing.assert_allclose(found.params, (1 - 2 * 0.001) ** 10 * start, rtol=4 * 2.0**-53 * 10)


def test_a_phrased_problem_meets_the_same_exact_reference_and_nobody_changes_it():
    plain = reference(kernels.SineFit(300), 20, 1e-6)
    phrased = reference(kernels.SineFit(300, form="features"), 20, 1e-6)
    assert phrased.kind == "exact"
    np.testing.assert_array_equal(phrased.params, plain.params)
    with pytest.raises(ValueError):
        plain.params[0] = 1.0
