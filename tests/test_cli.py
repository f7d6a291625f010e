"""The command line: the JSON schema, the tutorials' printed runs, and every bad input."""

import json
import subprocess
import sys

import pytest

from descent_bench import backends
from descent_bench.cli import main

FIT_KEYS = {
    "schema",
    "version",
    "problem",
    "backend",
    "device",
    "dtype",
    "iterations",
    "lr",
    "params",
    "loss",
    "loss_history",
    "seconds",
    "devices",
    "processes",
}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("backend", ["numpy", "jax", "strict"])
def test_fit_sine_json_schema(capsys, backend):
    code, out, _ = run(capsys, "fit", "sine", "--backend", backend, "--iterations", "300", "--json")
    record = json.loads(out)
    assert (code, set(record), record["backend"], len(record["params"])) == (
        0,
        FIT_KEYS,
        backend,
        4,
    )
    assert [t for t, _ in record["loss_history"]][-1] == 300


def test_fit_paraboloid_json_params_are_walkers_by_dims(capsys):
    code, out, _ = run(capsys, "fit", "paraboloid", "--walkers", "3", "--dims", "4", "--json")
    params = json.loads(out)["params"]
    assert (code, len(params), {len(p) for p in params}) == (0, 3, {4})


def test_fit_paraboloid_prints_the_article(capsys):
    code, out, _ = run(capsys, "fit", "paraboloid", "--start", "6,-3")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "Epoch 0: [5.988, -2.994]"
    assert lines[1] == "Epoch 500: [2.2006573940846716, -1.1003286970423358]"
    assert lines[-1] == (
        "Best guess for a minimum: [0.00026968555624761565, -0.00013484277812380783]"
    )


def test_fit_sine_prints_like_the_tutorial(capsys):
    code, out, _ = run(capsys, "fit", "sine")
    lines = out.splitlines()
    assert code == 0
    assert [line.split()[0] for line in lines[:-1]] == [str(t) for t in range(99, 2000, 100)]
    assert lines[-1].startswith("Result: y = ") and lines[-1].endswith(" x^3")


def test_fit_plot_writes_png(capsys, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib not installed")
    path = tmp_path / "fit.png"
    code, _, _ = run(capsys, "fit", "sine", "--iterations", "50", "--plot", str(path))
    assert code == 0 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_info_json_lists_every_backend(capsys):
    code, out, _ = run(capsys, "info", "--json")
    names = [b["name"] for b in json.loads(out)["backends"]]
    assert (code, names) == (0, backends.names())


BAD_INPUTS = {
    "unknown-backend": ["fit", "sine", "--backend", "mxnet"],
    "unknown-problem": ["fit", "cosine"],
    "zero-iterations": ["fit", "sine", "--iterations", "0"],
    "negative-points": ["fit", "sine", "--points", "-3"],
    "zero-dims": ["fit", "paraboloid", "--dims", "0"],
    "zero-walkers": ["fit", "paraboloid", "--walkers", "0"],
    "zero-lr": ["fit", "sine", "--lr", "0"],
    "negative-lr": ["fit", "sine", "--lr", "-1e-6"],
    "inf-lr": ["fit", "sine", "--lr", "inf"],
    "malformed-init": ["fit", "sine", "--init", "1,a,2,3"],
    "short-init": ["fit", "sine", "--init", "1,2"],
    "malformed-start": ["fit", "paraboloid", "--start", "6;-3"],
    "long-start": ["fit", "paraboloid", "--start", "6,-3,1"],
    "malformed-domain": ["fit", "sine", "--domain", "0,1,2"],
    "empty-domain": ["fit", "sine", "--domain", "1,1"],
    "reversed-domain": ["fit", "sine", "--domain", "pi,-pi"],
    "degree-ge-points": ["fit", "sine", "--points", "4", "--degree", "4"],
    "unknown-dtype": ["fit", "sine", "--dtype", "float16"],
    "unknown-loss": ["fit", "sine", "--loss", "huber"],
    "plot-suffix": ["fit", "sine", "--plot", "out.txt"],
    "points-beyond-memory": ["fit", "sine", "--points", "10000000000"],
    "walkers-beyond-memory": ["fit", "paraboloid", "--walkers", "10000000000"],
    "degree-beyond-memory": ["fit", "sine", "--degree", "100000", "--points", "200000"],
    "points-not-an-integer": ["fit", "sine", "--points", "1e20"],
    "dims-not-an-integer": ["fit", "paraboloid", "--dims", "1e20"],
    "too-many-progress-lines": ["fit", "sine", "--iterations", "10000000000"],
    "unknown-command": ["frobnicate"],
}


@pytest.mark.parametrize("argv", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_one_line_and_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert (code, out, len(err.splitlines()), "Traceback" in err) == (2, "", 1, False)


def test_unusable_backend_says_why(capsys, monkeypatch):
    from descent_bench import backends

    def unavailable():
        raise backends.BackendUnavailable("no CUDA device is available")

    monkeypatch.setattr(backends.get("cupy"), "load", unavailable)
    code, _, err = run(capsys, "fit", "sine", "--backend", "cupy")
    assert (code, "cupy" in err, "no CUDA device" in err, len(err.splitlines())) == (
        2,
        True,
        True,
        1,
    )


def test_divergence_names_iteration_and_exits_3(capsys):
    code, out, err = run(capsys, "fit", "sine", "--points", "100000")
    assert (code, out, len(err.splitlines())) == (3, "", 1)
    assert "iteration 107" in err


def test_console_script_reports_bad_input_without_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "descent_bench.cli", "fit", "sine", "--lr", "-1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout, "Traceback" in proc.stderr) == (2, "", False)


def test_a_non_finite_start_is_bad_input_not_a_divergence(capsys):
    code, out, err = run(capsys, "fit", "sine", "--domain", "-1e308,1e308")
    assert (code, out, len(err.splitlines())) == (2, "", 1)
    assert "at the start, before any step" in err and "--domain" in err


def test_the_readme_degree_5_example_runs(capsys):
    argv = "fit sine --degree 5 --domain -2pi,2pi --init 0,1,0,0,0,0 --loss mse --lr 1e-8"
    code, out, _ = run(capsys, *argv.split())
    assert code == 0 and out.splitlines()[-1].startswith("Result: y = ")


def test_a_long_compile_is_announced(capsys):
    pytest.importorskip("jax", reason="jax is not installed")
    argv = "fit sine --backend jax --degree 101 --points 200 --iterations 1 --lr 1e-40 --json"
    code, out, err = run(capsys, *argv.split())
    assert code == 0 and json.loads(out)["iterations"] == 1
    assert "compiles the loop for 102 coupled parameters" in err


def _parsers():
    """Every parser of the command line, with its name: the top, each command, each problem
    of fit."""
    import argparse

    from descent_bench.cli.command import build_parser

    top = build_parser()
    found = [("descent-bench", top)]
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((name, sub))
                for inner in sub._actions:
                    if isinstance(inner, argparse._SubParsersAction):
                        found += [(f"{name} {n}", p) for n, p in inner.choices.items()]
    return found


@pytest.mark.parametrize("name", [name for name, _ in _parsers()])
def test_every_option_has_a_plain_help_line(name):
    parser = dict(_parsers())[name]
    text = parser.format_help()
    assert "``" not in text and ":func:" not in text
    undocumented = [a.option_strings[0] for a in parser._actions if a.option_strings and not a.help]
    assert undocumented == []
