"""Backends from other packages, by the ``descent_bench.backends`` entry point group: listed
once installed, a broken one named in one line and left out."""

import importlib.metadata
import json

import pytest

from descent_bench import backends
from descent_bench.backends import plugins
from descent_bench.cli import main

GROUP = plugins.ENTRY_POINTS


def entry(name, value):
    return importlib.metadata.EntryPoint(name, value, GROUP)


@pytest.fixture
def installed(monkeypatch):
    """Install made-up entry points (beside none of the real ones) for one test."""

    def install(*points):
        monkeypatch.setattr(
            plugins.importlib.metadata,
            "entry_points",
            lambda group: list(points) if group == GROUP else [],
        )
        backends._PLUGINS.clear()
        for point in points:
            backends._INSTANCES.pop(point.name, None)

    yield install
    found = backends._PLUGINS[0] if backends._PLUGINS else None
    for name in found.classes if found else ():
        backends.unregister(name)
    backends._PLUGINS.clear()


GOOD = entry("plugged", "plugged_backend:PluggedBackend")
BROKEN = {
    "import": (entry("missing", "no_such_package_anywhere:Backend"), "failed to import"),
    "not a backend": (entry("notone", "descent_bench.kernels:SineFit"), "not a descent_bench"),
    "name differs": (
        entry("renamed", "descent_bench.backends.numpy:NumpyBackend"),
        "its class is named 'numpy'",
    ),
    "name taken": (entry("numpy", "descent_bench.backends.numpy:NumpyBackend"), "is taken"),
}


@pytest.fixture
def plugged(tmp_path, monkeypatch, installed):
    package = tmp_path / "plugged_backend"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from descent_bench.backends.numpy import NumpyBackend\n\n\n"
        "class PluggedBackend(NumpyBackend):\n"
        '    name = "plugged"\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    installed(GOOD)
    return "plugged"


def test_an_installed_plugin_is_listed_after_the_built_in_backends(plugged):
    assert backends.names()[-1] == plugged
    assert backends.get(plugged).name == plugged


def test_an_installed_plugin_is_compared_and_agrees(plugged, tmp_path):
    path = tmp_path / "r.json"
    argv = ["compare", "--backends", plugged, "--problems", "sine", "--sizes", "2000"]
    code = main(
        [*argv, "--iterations", "20", "--processes", "1", "--budget", "0", "--json", str(path)]
    )
    records = json.loads(path.read_text())["records"]
    assert code == 0 and [(r["backend"], r["agrees"]) for r in records] == [(plugged, True)]


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_plugin_is_named_by_info_in_one_line_and_left_out(installed, case, capsys):
    point, says = BROKEN[case]
    installed(point)
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if f"plugin {point.name!r}" in line]
    assert len(lines) == 1 and says in " ".join(out.split())
    if case != "name taken":
        assert point.name not in backends.names()


@pytest.mark.parametrize("case", ["import", "not a backend"])
def test_naming_a_broken_plugin_is_one_line_and_exit_2(installed, case, capsys):
    point, says = BROKEN[case]
    installed(point)
    code = main(["compare", "--backends", point.name, "--sizes", "2000", "--budget", "0"])
    err = capsys.readouterr().err
    assert code == 2 and says in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_info_json_holds_the_broken_plugins(installed, capsys):
    installed(BROKEN["import"][0])
    assert main(["info", "--json"]) == 0
    assert "missing" in json.loads(capsys.readouterr().out)["broken_plugins"]


def test_the_test_suite_parameters_hold_every_installed_plugin():
    import conftest

    real = {e.name for e in importlib.metadata.entry_points(group=GROUP)}
    usable = real - set(backends.broken())
    params = {p.id for p in conftest.BACKEND_PARAMS}
    assert usable <= set(backends.names()) and usable <= params
