"""``descent-bench diff``: rows matched, verdicts, CI gating, old files, other machines."""

import json

import numpy as np
import pytest

from descent_bench.cli import main
from descent_bench.output.document import SCHEMA
from descent_bench.records.record import Record, Sample


def record(label, seconds, noise=0.01, processes=2, calls=8, seed=0, **changes):
    """A record of ``calls`` calls in each of ``processes`` processes around ``seconds``."""
    rng = np.random.default_rng(seed)
    samples = tuple(
        Sample(float(10 * seconds * rng.lognormal(0, noise)), 10, i, p)
        for p in range(processes)
        for i in range(calls)
    )
    values = {
        "backend": label,
        "library": label,
        "device": "cpu",
        "problem": "sine",
        "size": 2000,
        "dtype": "float64",
        "iterations": 10,
        "compile_seconds": None,
        "seconds_per_iteration": float(np.median([s.seconds / 10 for s in samples])),
        "bytes_per_iteration": 32000,
        "bandwidth_fraction": None,
        "max_rel_diff": 0.0,
        "agrees": True,
        "baseline": False,
        "devices": 1,
        "samples": samples,
        "threads": 1,
    }
    return Record(**{**values, **changes})


def write(path, records, machine=None):
    from dataclasses import asdict

    doc = {
        "schema": SCHEMA,
        "version": "0",
        "machine": machine or {"cpu": "test cpu", "libraries": {"numpy": "2.0"}},
        "settings": {},
        "ceilings": {},
        "records": [asdict(r) for r in records],
    }
    path.write_text(json.dumps(doc))
    return str(path)


@pytest.fixture
def runs(tmp_path):
    old = [record("numpy", 1e-5, seed=1), record("jax", 2e-6, seed=2)]
    new = [record("numpy", 1.5e-5, seed=3), record("jax", 2e-6, seed=4)]
    return write(tmp_path / "old.json", old), write(tmp_path / "new.json", new)


def verdicts(out):
    """Row label -> verdict, from a table under its title and header line."""
    return {line.split()[0]: line.split()[-1] for line in out.splitlines()[2:] if line.strip()}


def test_a_slower_row_is_called_slower_and_an_unchanged_one_same(runs, capsys):
    assert main(["diff", *runs]) == 0
    out = capsys.readouterr().out
    table = out.split("\n\n")[0]
    assert {k: v for k, v in verdicts(table).items()} == {"numpy": "slower", "jax": "same"}
    assert "2 rows compared: 1 slower, 1 same" in out


def test_fail_slower_exits_1_only_beyond_its_percentage(runs, capsys):
    assert main(["diff", *runs, "--fail-slower", "20"]) == 1
    assert "numpy sine 2000" in capsys.readouterr().out
    assert main(["diff", *runs, "--fail-slower", "80"]) == 0


def test_markdown_marks_changed_rows(runs, capsys):
    assert main(["diff", *runs, "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "| backend | problem |" in out and "**slower**" in out


def test_rows_with_different_threads_do_not_match(tmp_path, capsys):
    old = write(tmp_path / "a.json", [record("numpy", 1e-5)])
    new = write(tmp_path / "b.json", [record("numpy", 1e-5, threads=2)])
    assert main(["diff", old, new]) == 2
    assert "no row" in capsys.readouterr().err


def test_different_machines_are_said_up_front(tmp_path, capsys):
    old = write(tmp_path / "a.json", [record("numpy", 1e-5)])
    other = {"cpu": "another cpu", "libraries": {"numpy": "2.1"}}
    new = write(tmp_path / "b.json", [record("numpy", 1e-5, seed=5)], machine=other)
    assert main(["diff", old, new]) == 0
    head = capsys.readouterr().out.splitlines()[:3]
    assert head[0].startswith("The two runs differ") and "another cpu" in head[1]
    assert "numpy" in head[2] and "2.1" in head[2]


BUSY = "the machine was busy: other processes used 1.38 cores on average during the run"


def machine_with(state):
    return {"cpu": "test cpu", "libraries": {"numpy": "2.0"}, "state": state}


def test_a_busy_run_is_said_up_front_and_a_quiet_one_is_not(tmp_path, capsys):
    quiet = machine_with({"warnings": []})
    old = write(tmp_path / "a.json", [record("numpy", 1e-5)], machine=quiet)
    new = write(
        tmp_path / "b.json",
        [record("numpy", 1e-5, seed=5)],
        machine=machine_with({"warnings": [BUSY]}),
    )
    assert main(["diff", old, new]) == 0
    head = capsys.readouterr().out.splitlines()[:2]
    assert head[0].startswith("Warnings recorded with the runs")
    assert head[1] == f"  new run: {BUSY}"
    assert main(["diff", old, old]) == 0
    assert "Warnings" not in capsys.readouterr().out


def test_both_runs_warnings_are_listed_old_first_and_as_a_markdown_list(tmp_path, capsys):
    scaling = "CPU frequency scaling is on (governor 'powersave')"
    old = write(
        tmp_path / "a.json", [record("numpy", 1e-5)], machine=machine_with({"warnings": [scaling]})
    )
    new = write(
        tmp_path / "b.json",
        [record("numpy", 1e-5, seed=5)],
        machine=machine_with({"warnings": [BUSY]}),
    )
    assert main(["diff", old, new, "--markdown"]) == 0
    head = capsys.readouterr().out.splitlines()[:3]
    assert head[1:] == [f"- old run: {scaling}", f"- new run: {BUSY}"]


@pytest.mark.parametrize(
    "state",
    [None, "busy", [], {}, {"warnings": None}, {"warnings": "busy"}, {"warnings": [1, None, {}]}],
    ids=["null", "string", "list", "empty", "null-warnings", "string-warnings", "no-strings"],
)
def test_a_malformed_machine_state_shows_no_warning_and_no_traceback(tmp_path, capsys, state):
    old = write(tmp_path / "a.json", [record("numpy", 1e-5)], machine=machine_with(state))
    new = write(tmp_path / "b.json", [record("numpy", 1e-5, seed=5)], machine=machine_with(state))
    assert main(["diff", old, new]) == 0
    captured = capsys.readouterr()
    assert "Warnings" not in captured.out and captured.err == ""


def test_control_characters_in_a_warning_are_not_printed(tmp_path, capsys):
    machine = machine_with({"warnings": ["busy\x1b[2J\nnext"]})
    old = write(tmp_path / "a.json", [record("numpy", 1e-5)], machine=machine)
    assert main(["diff", old, old]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "  old run: busy" in out.splitlines()[1]


def test_a_schema_1_file_gives_ratios_and_uncertain(tmp_path, capsys):
    from pathlib import Path

    v1 = str(Path(__file__).parent / "data" / "compare-v1.json")
    assert main(["diff", v1, v1]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.split("\n\n")[0].splitlines()[2:]]
    assert rows and all(line.split()[-1] == "uncertain" for line in rows)
    assert all(" 1.000 " in line for line in rows)
    assert "Rows without calls show their median µs/iter" in out


def test_noise_between_processes_widens_the_interval():
    from descent_bench.records.verdicts import diff

    old = [record("numpy", 1e-5, seed=1)]
    # One process 40% slower than the other: the interval of the ratio of means is wide.
    spread = record("numpy", 1e-5, seed=2)
    shifted = tuple(
        Sample(s.seconds * (1.4 if s.process else 1.0), s.iterations, s.round, s.process)
        for s in spread.samples
    )
    from dataclasses import replace

    (change,) = diff(old, [replace(spread, samples=shifted)]).changes
    assert change.ratio.high - change.ratio.low > 0.2


@pytest.mark.parametrize(
    "args",
    [["--fail-slower", "-5"], ["--fail-slower", "x"], ["--fail-slower", "nan"]],
    ids=["negative", "word", "nan"],
)
def test_bad_fail_slower_is_one_line(runs, capsys, args):
    assert main(["diff", *runs, *args]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "--fail-slower" in err


def test_a_malformed_file_is_one_line_and_exit_2(runs, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    doc = json.loads(open(runs[0]).read())
    doc["records"][0]["samples"][0]["seconds"] = "fast"
    bad.write_text(json.dumps(doc))
    assert main(["diff", runs[0], str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "sample 0" in err


def test_a_row_too_noisy_for_the_widest_margin_is_never_same():
    from descent_bench.records.verdicts import MAX_MARGIN, diff

    old = [record("numpy", 1e-5, noise=0.8, seed=1)]
    new = [record("numpy", 1e-5, noise=0.8, seed=2)]
    (change,) = diff(old, new).changes
    assert change.margin == MAX_MARGIN and change.verdict == "uncertain"


def test_the_margin_pools_both_runs_relative_iqr():
    import math

    from descent_bench.records.verdicts import MAX_MARGIN, MIN_MARGIN, margin

    quiet = record("numpy", 1e-5, noise=0.01, calls=40, seed=1)
    noisy = record("numpy", 1e-5, noise=0.1, calls=40, seed=2)
    a, b = quiet.relative_noise, noisy.relative_noise
    assert 0.05 < 2 * math.sqrt((a * a + b * b) / 2) < MAX_MARGIN  # within the bounds
    assert margin(quiet, noisy) == pytest.approx(2 * math.sqrt((a * a + b * b) / 2))
    # Whichever run is called old: a quiet first run no longer narrows the margin alone.
    assert margin(noisy, quiet) == margin(quiet, noisy)
    assert margin(quiet, quiet) == MIN_MARGIN


def _margin_case(kind):
    """A record with ordinary calls, a single call, or none (a schema-1 row)."""
    if kind == "calls":
        return record("numpy", 1e-5, noise=0.05, calls=40, seed=3)
    if kind == "one call":
        return record("numpy", 1e-5, processes=1, calls=1)
    return record("numpy", 1e-5, samples=())


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("none", "none", "min"),
        ("none", "one call", "max"),
        ("one call", "calls", "max"),
        ("calls", "one call", "max"),
        ("none", "calls", "own"),
        ("calls", "none", "own"),
    ],
    ids=lambda v: v.replace(" ", "-"),
)
def test_the_margin_of_rows_with_few_or_no_calls(old, new, expected):
    from descent_bench.records.verdicts import MAX_MARGIN, MIN_MARGIN, margin

    with_calls = _margin_case("calls")
    own = min(MAX_MARGIN, max(MIN_MARGIN, 2 * with_calls.relative_noise))
    want = {"min": MIN_MARGIN, "max": MAX_MARGIN, "own": own}[expected]
    assert margin(_margin_case(old), _margin_case(new)) == pytest.approx(want)


def test_swapping_the_runs_mirrors_the_verdict():
    from descent_bench.records.verdicts import diff

    old = [record("numpy", 1e-5, noise=0.01, calls=40, seed=1)]
    new = [record("numpy", 1.5e-5, noise=0.1, calls=40, seed=2)]
    (forward,) = diff(old, new).changes
    (backward,) = diff(new, old).changes
    assert (forward.verdict, backward.verdict) == ("slower", "faster")
    assert forward.margin == backward.margin
    assert forward.ratio.value == pytest.approx(1 / backward.ratio.value)


def test_a_noisy_run_widens_the_interval_and_a_large_slowdown_is_still_slower():
    from descent_bench.records.verdicts import MAX_MARGIN, diff

    # A quiet baseline; the new run 1.6x slower and very noisy (as under load): the margin
    # is at its widest, and the slowdown lies beyond it.
    old = [record("numpy", 1e-5, noise=0.01, calls=40, seed=1)]
    new = [record("numpy", 1.6e-5, noise=0.3, calls=40, seed=2)]
    (change,) = diff(old, new).changes
    assert change.margin == MAX_MARGIN
    assert change.verdict == "slower"
    quiet = [record("numpy", 1.6e-5, noise=0.01, calls=40, seed=2)]
    (steady,) = diff(old, quiet).changes
    assert change.ratio.high - change.ratio.low > 3 * (steady.ratio.high - steady.ratio.low)


def test_slow_calls_that_leave_the_median_alone_are_called_slower():
    """The mean, not the median: two calls in five slowed twice over (a time-sliced busy
    machine) keep the median where it was and cost a long loop 40%."""
    from dataclasses import replace

    from descent_bench.records.verdicts import diff

    old = record("numpy", 1e-5, noise=0.01, calls=20, seed=1)
    base = record("numpy", 1e-5, noise=0.01, calls=20, seed=2)
    mixed = tuple(
        replace(s, seconds=s.seconds * (2.0 if s.round % 5 in (1, 3) else 1.0))
        for s in base.samples
    )
    new = replace(base, samples=mixed)
    assert np.median(new.per_iteration()) == pytest.approx(1e-5, rel=0.05)
    (change,) = diff([old], [new]).changes
    assert change.ratio.value == pytest.approx(1.4, rel=0.05)
    assert change.verdict == "slower"


def test_runs_asked_for_different_sizes_say_so_first(tmp_path, capsys):
    import json
    from pathlib import Path

    committed = Path(__file__).parents[1] / "results" / "cpu" / "compare.json"
    doc = json.loads(committed.read_text())
    sizes = sorted({r["size"] for r in doc["records"]})
    doc["settings"]["sizes"] = sizes[:1]
    doc["records"] = [r for r in doc["records"] if r["size"] == sizes[0]]
    fewer = tmp_path / "fewer.json"
    fewer.write_text(json.dumps(doc))
    assert main(["diff", str(committed), str(fewer)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("The two runs were asked for different things")
    assert lines[1].startswith("  sizes: ")
    assert any("rows without a match:" in line and "only in the old run" in line for line in lines)
