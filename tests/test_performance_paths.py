"""The execution paths chosen for speed: compiled once, phrased as measured, cheap to time."""

import logging
import re

import pytest

from availability import require
from descent_bench import backends, kernels
from descent_bench.timing.prepare import prepare
from descent_bench.timing.rows import Row, Runner
from descent_bench.timing.workloads import make_problem


@pytest.fixture
def jax_backend():
    return require("jax")


@pytest.fixture
def xla_cpu(jax_backend):
    """jax where its default backend is the CPU: for checks of the compiled HLO text of
    XLA:CPU. XLA:GPU compiles the same program through other passes (its own fusions and
    reduction rewrites, loops it may unroll), whose text no GPU has been read for yet, so
    there they are skipped rather than guessed."""
    import jax

    if jax.default_backend() != "cpu":
        pytest.skip(
            f"checks XLA:CPU's compiled HLO text; jax compiles for {jax.default_backend()} "
            "here, with other passes (not yet read on a GPU)"
        )
    return jax_backend


def loop_compilations(caplog):
    return [r for r in caplog.records if r.getMessage().startswith("Compiling jit(loop)")]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_jax_compiles_the_loop_once_per_shape_dtype_and_k(jax_backend, caplog, dtype):
    """A new learning rate, start or run of the same K reuses the program; K = 1 (the
    measurement's first call) and K = 50 are the two programs."""
    import jax

    problem = make_problem("sine", 2003)  # a shape no other test compiles
    row = Row("jax", "jax", "own", "sine", 2003, dtype, 50)
    own = Runner(jax_backend, lambda p: jax_backend.compile_loop(p.step), compiles=True)
    jax.config.update("jax_log_compiles", True)
    try:
        with caplog.at_level(logging.WARNING):
            prepare(row, own).time_call()
            start = problem.initial_params(seed=1)
            kernels.descend(
                problem, jax_backend, dtype=dtype, iterations=50, lr=2e-6, initial=start
            )
            kernels.descend(problem, jax_backend, dtype=dtype, iterations=50)
            kernels.descend(problem, jax_backend, dtype=dtype, iterations=51, checkpoints=[1])
    finally:
        jax.config.update("jax_log_compiles", False)
    assert len(loop_compilations(caplog)) == 2


def trip_counts(backend, problem, **k):
    """The known trip counts XLA records for the while loops of the compiled program."""
    problem, data, params = kernels.place(problem, backend, "float32", problem.initial_params())
    text = backend.program(problem.step).lower(params, data, 1e-6, **k).compile().as_text()
    return re.findall(r'known_trip_count.{0,4}\{.{0,4}"n.{0,4}:.{0,4}"(\d+)"', text)


@pytest.mark.parametrize("k", [10, 777])
def test_jax_loop_has_a_known_trip_count(xla_cpu, k):
    """K is static: XLA:GPU runs such a loop without a host round trip per iteration (read
    here from XLA:CPU's compiled module)."""
    assert trip_counts(xla_cpu, kernels.SineFit(points=1000), k=k) == [str(k)]


def test_numpy_phrases_the_sine_gradient_with_blas():
    numpy = backends.load("numpy")
    assert {numpy.gradient_form(n) for n in (1, 2000, 10**7)} == {"features"}


def test_standard_only_jax_switches_phrasing_at_the_measured_crossover(jax_backend):
    standard = jax_backend.standard_only()
    cut = standard.features_up_to
    assert (standard.gradient_form(cut), standard.gradient_form(cut + 1)) == (
        "features",
        "elementwise",
    )


def test_jax_with_the_one_pass_moments_phrases_elementwise_at_every_size(jax_backend):
    assert {jax_backend.gradient_form(n) for n in (1, 2000, 10**7)} == {"elementwise"}


def hlo_text(backend, problem):
    problem, data, params = kernels.place(problem, backend, "float64", problem.initial_params())
    return backend.program(problem.step).lower(params, data, 1e-6, k=10).compile().as_text()


def test_jax_moments_are_one_variadic_reduction(xla_cpu):
    """The d + 1 sums of one iteration come out of one reduce (one pass over x and y)."""
    text = hlo_text(xla_cpu, kernels.SineFit(points=2011, degree=3))
    tuple_of_sums = r"= \(f64\[\], f64\[\], f64\[\], f64\[\]\) reduce\("
    assert len(re.findall(tuple_of_sums, text)) == 1


@pytest.mark.parametrize("limit", ["MAX_TRIP", "PIECE_ELEMENTS"])
def test_jax_runs_long_loops_in_pieces_with_the_same_result(jax_backend, monkeypatch, limit):
    """Beyond its int32 counter, and beyond the work of one uninterruptible call."""
    from descent_bench.backends import calls
    from descent_bench.backends.jax import backend as jax_module

    problem = kernels.Paraboloid(walkers=3)  # 6 elements + 0 data
    whole = kernels.descend(problem, jax_backend, iterations=20, dtype="float32")
    if limit == "MAX_TRIP":
        monkeypatch.setattr(jax_module, "MAX_TRIP", 7)  # 20 = 7 + 7 + 6
    else:
        monkeypatch.setattr(calls, "PIECE_ELEMENTS", 6 * 7)
    pieces = kernels.descend(problem, jax_backend, iterations=20, dtype="float32")
    assert pieces.params.tolist() == whole.params.tolist()


@pytest.mark.parametrize(
    ("k", "elements", "want"),
    [(2000, 4000, [2000]), (10, 2 * 10**7, [10]), (60, 2 * 10**7, [25, 25, 10]), (0, 5, [])],
)
def test_pieces(k, elements, want):
    from descent_bench.backends.calls import pieces

    assert pieces(k, elements) == want


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


def test_ctrl_c_stops_a_long_jax_loop_within_seconds(jax_backend):
    """A loop of hours at 10^6 points: SIGINT is seen between pieces, not at the end."""
    import signal
    import subprocess
    import sys
    import time

    # Python leaves SIGINT ignored when it starts with it ignored (a job started with & by a
    # non-interactive shell, as CI runners may do): take it as a terminal's Python would.
    code = (
        "import signal, sys\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from descent_bench import backends, kernels\n"
        "jax = backends.load('jax')\n"
        "problem = kernels.SineFit(points=10**6, loss_name='mse')\n"
        "problem, data, params = kernels.place(problem, jax, 'float32', problem.initial_params())\n"
        "run = jax.compile_loop(problem.step)\n"
        "jax.sync(run(params, data, 1e-3, 1))\n"
        "print('ready', flush=True)\n"
        "try:\n"
        "    jax.sync(run(params, data, 1e-3, 10**9))\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "ready"
    time.sleep(1)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    try:
        out, err = child.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        pytest.fail(f"no exit 30 s after Ctrl-C; stdout {out!r}, stderr {err[-2000:]!r}")
    # One piece is a fraction of a second here; the loop asked for would run for hours,
    # and before pieces one call of a long loop ignored Ctrl-C for minutes.
    assert out.strip() == "interrupted" and time.monotonic() - sent < 30, err[-2000:]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_jax_pins_full_precision_matrix_products(jax_backend, dtype):
    """No TF32 for float32 on NVIDIA GPUs: the lowered products say HIGHEST."""
    problem = kernels.SineFit(points=1000).phrased("features")  # two matrix-vector products
    problem, data, params = kernels.place(
        problem, jax_backend, dtype, problem.initial_params(), "features"
    )
    text = jax_backend.program(problem.step).lower(params, data, 1e-6, k=10).as_text()
    dots = [line for line in text.splitlines() if "dot_general" in line]
    assert dots and all("precision = [HIGHEST, HIGHEST]" in line for line in dots)
