"""A new problem or backend is one module plus one registry line: both are added here, from
this file alone, and show up in fit, info, compare, the suite and the asv parameters."""

import importlib
import inspect
import json
import textwrap
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from availability import unavailable_reason
from descent_bench import backends, kernels
from descent_bench.backends.base import Backend
from descent_bench.cli import main
from descent_bench.timing import suite


@dataclass(frozen=True)
class Quadratic:
    """Minimise f(p) = (p - target)^2 for each of ``walkers`` numbers: the core contract
    alone, no optional capability."""

    walkers: int = 1
    target: float = 1.5

    name: ClassVar[str] = "quadratic"
    description: ClassVar[str] = "minimise (p - target)^2"
    size_label: ClassVar[str] = "walkers"
    options: ClassVar[tuple[kernels.Option, ...]] = (
        kernels.Option("walkers", "int", 1, "numbers descending at once", minimum=1),
        kernels.Option("target", "real", 1.5, "the minimum"),
    )
    start_option: ClassVar[kernels.Option] = kernels.Option("start", "real", None, "the start")
    default_sizes: ClassVar[tuple[int, ...]] = (1, 100)
    benchmark_sizes: ClassVar[tuple[int, ...]] = (100,)
    default_lr: ClassVar[float] = 0.1
    default_iterations: ClassVar[int] = 200
    coupled_params: ClassVar[int] = 1

    @classmethod
    def at_size(cls, size):
        return cls(walkers=size)

    @classmethod
    def from_options(cls, values):
        return cls(values.get("walkers", 1), values.get("target", 1.5))

    @property
    def size(self):
        return self.walkers

    @property
    def elements(self):
        return self.walkers

    def stable_lr(self):
        return self.default_lr

    def memory_bytes(self, itemsize):
        return 4 * self.walkers * itemsize

    def bytes_per_iteration(self, itemsize):
        return 2 * self.walkers * itemsize

    def host_data(self):
        return ()

    def initial_params(self, seed=0, start=None):
        if start is not None:
            return np.full(self.walkers, float(start))
        return np.random.default_rng(seed).uniform(-5, 5, self.walkers)

    def loss(self, ops, params, data):
        r = params - self.target
        return ops.xp.sum(r * r) / self.walkers

    def step(self, ops, params, data, lr):
        return params - lr * 2.0 * (params - self.target)


@dataclass(frozen=True)
class PrintingQuadratic(Quadratic):
    """The same problem with one optional capability: a printout of its own."""

    name: ClassVar[str] = "printing-quadratic"
    default_print_every: ClassVar[int] = 50
    keeps_params: ClassVar[bool] = False

    def progress_stops(self, iterations, every):
        return list(range(every, iterations + 1, every)) if every else []

    def progress_line(self, t, loss, params):
        return f"after {t}: {loss}"

    def summary(self, params):
        return f"closest: {params.tolist()}"


class ListBackend(Backend):
    """A made-up library: NumPy's namespace under another name."""

    name = "listy"
    distribution = "numpy"

    def _load(self):
        pass

    @property
    def xp(self):
        import array_api_compat.numpy

        return array_api_compat.numpy

    @property
    def device(self):
        return "cpu"


@pytest.fixture
def quadratic(monkeypatch):
    monkeypatch.setitem(kernels.PROBLEMS, Quadratic.name, Quadratic)
    return Quadratic


@pytest.fixture
def printing_quadratic(monkeypatch):
    monkeypatch.setitem(kernels.PROBLEMS, PrintingQuadratic.name, PrintingQuadratic)
    return PrintingQuadratic


@pytest.fixture
def listy():
    backends.register(ListBackend.name, ListBackend)
    yield ListBackend.name
    backends.unregister(ListBackend.name)


def backend_package() -> str:
    """The source of a package that holds ``ListBackend`` under another name."""
    source = textwrap.dedent(inspect.getsource(ListBackend))
    source = source.replace("ListBackend", "PackagedBackend").replace('"listy"', '"packaged"')
    return f"from descent_bench.backends.base import Backend\n\n\n{source}"


def test_a_new_backend_is_one_package_and_one_registry_line(tmp_path, monkeypatch, capsys):
    package = tmp_path / "packaged_backend"
    package.mkdir()
    (package / "__init__.py").write_text(backend_package())
    monkeypatch.syspath_prepend(str(tmp_path))
    backends.register("packaged", "packaged_backend:PackagedBackend")  # the registry line
    try:
        assert main(["info", "--json"]) == 0
        listed = {b["name"]: b["usable"] for b in json.loads(capsys.readouterr().out)["backends"]}
        argv = ["compare", "--backends", "packaged", "--problems", "sine", "--sizes", "2000"]
        code = main([*argv, "--iterations", "20", "--processes", "1", "--budget", "0"])
    finally:
        backends.unregister("packaged")
    assert listed["packaged"] is True
    assert code == 0 and "packaged" in capsys.readouterr().out


def test_a_registered_problem_fits_with_its_own_options(quadratic, capsys):
    argv = ["fit", "quadratic", "--walkers", "3", "--target", "-2", "--start", "4", "--json"]
    code = main(argv)
    record = json.loads(capsys.readouterr().out)
    assert (code, record["problem"], len(record["params"])) == (0, "quadratic", 3)
    np.testing.assert_allclose(record["params"], -2 + 6 * 0.8**200, rtol=1e-12)


def test_a_problem_with_a_printout_prints_its_own_progress(printing_quadratic, capsys):
    assert isinstance(printing_quadratic(), kernels.capabilities.Printout)
    code = main(["fit", "printing-quadratic", "--iterations", "100"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line.split(":")[0] for line in lines] == ["after 50", "after 100", "closest"]


def test_a_problem_without_a_printout_prints_its_loss_every_tenth_of_the_run(quadratic, capsys):
    assert not isinstance(quadratic(), kernels.capabilities.Printout)
    code = main(["fit", "quadratic", "--iterations", "100", "--target", "0", "--start", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line.split()[0] for line in lines[:-1]] == [str(t) for t in range(10, 101, 10)]
    assert float(lines[2].split()[1]) == pytest.approx(0.8 ** (2 * 30))
    assert lines[-1].startswith("Result: [")


def test_a_problem_without_a_picture_plots_its_loss_curve(quadratic, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "fit.png"
    assert main(["fit", "quadratic", "--iterations", "50", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_problem_without_a_layout_refuses_several_devices(quadratic):
    class TwoDevices:
        n_devices = 2

        def load(self):
            return self

    with pytest.raises(ValueError, match="runs on one device"):
        kernels.place(quadratic(), TwoDevices(), "float64", np.zeros(1))


def test_a_registered_problem_refuses_its_bad_options_in_one_line(quadratic, capsys):
    code = main(["fit", "quadratic", "--walkers", "0"])
    err = capsys.readouterr().err
    assert (code, len(err.splitlines()), "walkers" in err) == (2, 1, True)


@pytest.mark.skipif(bool(unavailable_reason("jax")), reason="jax unavailable")
def test_a_registered_problem_is_compared_and_agrees(quadratic, tmp_path):
    path = tmp_path / "r.json"
    argv = ["compare", "--problems", "quadratic", "--backends", "numpy,jax", "--baselines"]
    argv += ["--processes", "1"]
    code = main([*argv, "--sizes", "5", "--iterations", "30", "--budget", "0", "--json", str(path)])
    records = json.loads(path.read_text())["records"]
    assert code == 0
    assert {(r["backend"], r["problem"], r["size"]) for r in records} == {
        ("numpy", "quadratic", 5),
        ("jax", "quadratic", 5),
        ("jax-standard", "quadratic", 5),
        ("jax-step", "quadratic", 5),
    }
    assert all(r["agrees"] for r in records)
    # no tutorial, no description of its step: checked against the kernel on NumPy
    assert {r["reference"] for r in records} == {"kernel"}


def test_the_suite_measures_a_registered_problem_at_its_default_sizes(quadratic):
    settings = suite.Settings(
        backends=("numpy",),
        problems=("quadratic",),
        min_rounds=3,
        processes=1,
        budget_seconds=0,
        baselines=True,
        thorough=True,  # every size it lists
    )
    result = suite.run(suite.plan(settings))
    assert [(r.problem, r.size, r.agrees) for r in result.records] == [
        ("quadratic", 1, True),
        ("quadratic", 100, True),
    ]


def test_a_registered_backend_is_listed_by_info(listy, capsys):
    assert main(["info", "--json"]) == 0
    listed = {b["name"]: b["usable"] for b in json.loads(capsys.readouterr().out)["backends"]}
    assert listed[listy] is True


def test_a_registered_backend_is_compared_and_agrees(listy, tmp_path):
    path = tmp_path / "r.json"
    argv = ["compare", "--backends", listy, "--baselines", "--problems", "sine", "--sizes", "2000"]
    code = main(
        [*argv, "--iterations", "20", "--processes", "1", "--budget", "0", "--json", str(path)]
    )
    records = json.loads(path.read_text())["records"]
    assert code == 0
    assert [(r["backend"], r["agrees"]) for r in records if r["backend"] != "c-fused"] == [
        ("tutorial", True),
        (listy, True),
    ]


def test_registrations_reach_the_asv_parameters(listy, quadratic):
    import benchmarks.bench_descent
    import benchmarks.common

    try:
        importlib.reload(benchmarks.common)
        module = importlib.reload(benchmarks.bench_descent)
        assert listy in module.SineFit.params[0]
        assert module.Quadratic.params == ([*backends.names()], [100], ["float64", "float32"])
    finally:
        backends.unregister(listy)
        kernels.PROBLEMS.pop("quadratic")
        importlib.reload(benchmarks.common)
        importlib.reload(benchmarks.bench_descent)


@pytest.mark.skipif(bool(unavailable_reason("jax")), reason="jax unavailable")
def test_fit_refuses_several_devices_for_a_problem_without_a_layout_in_one_line(quadratic, capsys):
    code = main(["fit", "quadratic", "--backend", "jax", "--devices", "2"])
    err = capsys.readouterr().err
    assert (code, len(err.splitlines()), "runs on one device" in err) == (2, 1, True)


def test_compare_plans_one_device_rows_only_for_a_problem_without_a_layout(quadratic):
    from descent_bench import backends as registry

    if registry.get("jax").sharded(2).unavailable_reason():
        pytest.skip("jax cannot split over 2 devices here")
    settings = suite.Settings(
        backends=("jax",), problems=("quadratic", "paraboloid"), sizes=(8,), device_counts=(1, 2)
    )
    devices = {(r.problem, r.devices) for r in suite.plan(settings).rows}
    assert ("quadratic", 2) not in devices and ("paraboloid", 2) in devices
