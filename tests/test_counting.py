"""Instruction counts: the callgrind helper, a counted row's repeatability, the exact
verdicts of ``diff`` on counts, and the one-line refusals."""

import tempfile

import pytest
from test_diff import record, write

from descent_bench.cli import main
from descent_bench.instructions import callgrind, callgrind_output, counting
from descent_bench.output.document import load
from descent_bench.records.count_verdicts import TOLERANCE, diff_counts
from descent_bench.timing.rows import Row

needs_valgrind = pytest.mark.skipif(
    counting.unavailable_reason() is not None,
    reason=f"cannot count here: {counting.unavailable_reason()}",
)


@pytest.mark.skipif(
    callgrind.unavailable_reason() is not None,
    reason=f"no callgrind helper: {callgrind.unavailable_reason()}",
)
def test_the_helpers_requests_do_nothing_outside_valgrind():
    callgrind.start()
    callgrind.stop()
    callgrind.start()  # twice in a row, and a stop without a start, are harmless too
    callgrind.stop()
    callgrind.stop()
    assert callgrind.on_valgrind() is False


@needs_valgrind
def test_a_counted_numpy_row_gives_the_same_count_twice():
    # A row of about 10^7 instructions: once, in a run of the whole suite, two counts of a
    # 1.7*10^6-instruction row (200 points, K = 50) were 3,400 instructions apart.
    row = Row("numpy", "numpy", "own", "sine", 2000, "float64", 100, threads=1)
    first, second = counting.count(row), counting.count(row)
    assert first.instructions > 100 * 2000  # at least an instruction per point and iteration
    assert abs(second.instructions / first.instructions - 1) <= TOLERANCE


@needs_valgrind
def test_numbas_paraboloid_loop_is_counted_at_its_own_compiled_cost():
    # numba compiles the decay as its own loop: 1.90 instructions per walker and iteration
    # at 2,000 walkers (jax's: 2.48); through NumPy's loop it was 10.4
    pytest.importorskip("numba", reason="numba is not installed")
    row = Row("numba", "numba", "own", "paraboloid", 2000, "float64", 200, threads=1)
    counted = counting.count(row)
    assert counted.instructions / (200 * 2000) < 4


@needs_valgrind
def test_a_per_step_jax_rows_allocator_share_is_counted():
    # jax-step calls a compiled step from Python and a second thread runs it: both
    # allocate, and a third of its count (28-35% measured) is malloc's and free's, whose
    # cost follows how the threads interleaved. The count itself is not asserted to
    # repeat: it does not, to 1% under load (docs/instruction-counts.md, "What is left").
    pytest.importorskip("jax", reason="jax is not installed")
    row = Row("jax-step", "jax", "naive", "sine", 2000, "float64", 20, threads=1)
    found = counting.count(row)
    assert 0.1 < found.allocator / found.instructions < 1


@needs_valgrind
def test_files_beside_the_counted_process_do_not_move_its_count(tmp_path, monkeypatch):
    # The process starts in the temporary folder; were that folder on its import path,
    # Python would list it at the first import, and the listing's allocations would move
    # the heap under the counted call: with 0, 37, 300 and 1000 files there, this row
    # counted 4,691,297, 4,666,491, 4,674,093 and 4,670,899.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    row = Row("numpy", "numpy", "own", "sine", 2000, "float64", 100, threads=1)
    counts = []
    for files in (0, 37, 300):
        for i in range(files):
            (tmp_path / f"file_{i}.txt").touch()
        counts.append(counting.count(row).instructions)
    assert max(counts) / min(counts) - 1 <= TOLERANCE, counts


def test_the_counted_process_dispatches_jax_synchronously_on_one_device_whatever_the_caller_set():
    caller = {"JAX_CPU_ENABLE_ASYNC_DISPATCH": "true", "JAX_NUM_CPU_DEVICES": "4", "PWD": "/x"}
    env = counting.child_environment(caller)
    assert env["JAX_CPU_ENABLE_ASYNC_DISPATCH"] == "false"
    assert env["JAX_NUM_CPU_DEVICES"] == "1"  # a counted row runs on one device
    assert "PWD" not in env  # a shell's incidental variables stay out


@needs_valgrind
def test_a_baseline_row_is_counted_too():
    row = Row("tutorial", "numpy", "tutorial", "sine", 2000, "float64", 50, threads=1)
    assert counting.count(row).instructions > 50 * 2000


@needs_valgrind
def test_a_row_that_does_not_exist_fails_with_its_reason():
    row = Row("no-such-row", "numpy", "no-such-row", "sine", 200, "float64", 50, threads=1)
    with pytest.raises(counting.CountFailed, match="no row no-such-row"):
        counting.count(row)


def test_totals_are_read_from_callgrind_output():
    text = "events: Ir\nfn=(1) main\n3 5\nsummary: 1234\ntotals: 1234\n"
    assert callgrind_output.total(text) == 1234
    with pytest.raises(callgrind_output.NoTotals):
        callgrind_output.total("events: Ir\n")


def test_an_idle_pools_spinning_is_taken_out_of_the_count():
    spin = "Eigen::ThreadPoolTempl<tsl::thread::EigenEnvironment>::MaybeGetTask(Task*)"
    text = "\n".join(
        [
            "events: Ir",
            "fn=(1) work",
            "10 500",
            f"cfn=(2) {spin}",
            "calls=3 20",
            "21 7000",  # the calls' inclusive cost: not the caller's own
            "fn=(2)",
            "20 7000",
            "+1 3",
            "totals: 7503",
        ]
    )
    assert callgrind_output.idle_instructions(text) == 7003
    assert callgrind_output.total(text) - callgrind_output.idle_instructions(text) == 500


def test_calls_into_the_allocator_are_summed_with_their_callees():
    text = "\n".join(
        [
            "events: Ir",
            "fn=(1) work",
            "10 500",
            "cfn=(2) malloc",
            "calls=3 20",
            "11 900",  # inclusive: malloc and what it called
            "cfn=(3) helper",
            "calls=1 30",
            "12 40",
            "fn=(2)",
            "20 600",
            "cfn=(4) _int_malloc",
            "calls=2 40",
            "21 300",  # inside the allocator: already in the 900
            "fn=(3)",
            "30 10",
            "cfn=(5) free",
            "calls=1 50",
            "31 30",
            "totals: 1440",
        ]
    )
    assert callgrind_output.allocator_instructions(text) == 900 + 30


def test_gpu_and_multi_device_rows_are_not_counted_and_say_why():
    assert counting.uncountable(record("numpy", 1e-5)) is None
    assert "gpu" in counting.uncountable(record("cupy", 1e-5, platform="gpu"))
    assert "several devices" in counting.uncountable(record("jax-4", 1e-5, devices=4))


def counted(label, instructions, **changes):
    return record(label, 1e-5, instructions=instructions, **changes)


def test_counts_are_compared_exactly_within_the_tolerance():
    old = [counted("numpy", 1_000_000), counted("jax", 1_000_000), counted("numba", 1_000_000)]
    new = [counted("numpy", 1_002_000), counted("jax", 1_000_900), counted("numba", 998_000)]
    result = diff_counts(old, new)
    assert [c.verdict for c in result.changes] == ["slower", "same", "faster"]
    assert [c.new.backend for c in result.slower_beyond(0.0)] == ["numpy"]
    assert result.slower_beyond(0.5) == []


def test_counts_outside_the_allocator_are_compared_where_asked(tmp_path, capsys):
    old = [counted("jax-step", 1_000_000, allocator_instructions=300_000)]
    new = [counted("jax-step", 1_003_000, allocator_instructions=303_000)]
    assert [c.verdict for c in diff_counts(old, new).changes] == ["slower"]
    outside = diff_counts(old, new, exclude_allocator=True)
    assert [(c.verdict, c.old_instructions) for c in outside.changes] == [("same", 700_000)]
    a, b = write(tmp_path / "a.json", old), write(tmp_path / "b.json", new)
    assert main(["diff", a, b, "--exclude-allocator", "--fail-slower", "0"]) == 0
    assert "compared by instructions outside the allocator" in capsys.readouterr().out


def test_exclude_allocator_is_refused_in_one_line_where_it_cannot_apply(tmp_path, capsys):
    timed = write(tmp_path / "timed.json", [record("numpy", 1e-5)])
    before = write(tmp_path / "before.json", [counted("numpy", 10**8)])  # no allocator share
    now = write(tmp_path / "now.json", [counted("numpy", 10**8, allocator_instructions=10)])
    for pair, said in (([timed, timed], "neither file counted"), ([before, now], "no allocator")):
        assert main(["diff", *pair, "--exclude-allocator"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and said in err and "Traceback" not in err


def test_a_row_one_run_did_not_count_is_listed_apart():
    old = [counted("numpy", 1000), record("cupy", 1e-5, uncounted="runs on the gpu")]
    new = [counted("numpy", 1000), record("cupy", 1e-5, uncounted="runs on the gpu")]
    result = diff_counts(old, new)
    assert [c.verdict for c in result.changes] == ["same"]
    assert [(r.backend, "gpu" in why) for r, why in result.uncounted] == [("cupy", True)]


def test_diff_of_counted_runs_calls_verdicts_and_fails_on_slower(tmp_path, capsys):
    old = write(tmp_path / "old.json", [counted("numpy", 10**8), counted("jax", 10**7)])
    new = write(tmp_path / "new.json", [counted("numpy", 2 * 10**8), counted("jax", 10**7)])
    assert main(["diff", old, new]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith(("numpy ", "jax "))]
    assert {row[0]: row[-1] for row in rows} == {"numpy": "slower", "jax": "same"}
    assert "same within ±0.1%" in out
    assert main(["diff", old, new, "--fail-slower", "50"]) == 1
    assert "slower by more than 50%: numpy sine 2000" in capsys.readouterr().out
    assert main(["diff", old, new, "--fail-slower", "150"]) == 0


def test_a_counted_run_against_a_timed_one_is_refused_in_one_line(tmp_path, capsys):
    timed = write(tmp_path / "timed.json", [record("numpy", 1e-5)])
    count = write(tmp_path / "counted.json", [counted("numpy", 10**8)])
    for pair in ([timed, count], [count, timed]):
        assert main(["diff", *pair]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "counted instructions" in err and "Traceback" not in err


def test_counts_load_back_and_a_bad_count_is_refused(tmp_path):
    write(tmp_path / "run.json", [counted("numpy", 12345), record("a", 1e-5)])
    saved = load((tmp_path / "run.json").read_text())
    assert [r.instructions for r in saved.records] == [12345, None]
    assert saved.records[0].instructions_per_iteration == 12345 / 10
    bad = (tmp_path / "run.json").read_text().replace("12345", "-3")
    with pytest.raises(ValueError, match="instructions must be at least 1"):
        load(bad)
    write(tmp_path / "more.json", [counted("numpy", 100, allocator_instructions=101)])
    with pytest.raises(ValueError, match="allocator_instructions must be from 0 to"):
        load((tmp_path / "more.json").read_text())


def test_compare_count_without_valgrind_is_one_line_naming_the_package(monkeypatch, capsys):
    monkeypatch.setattr(counting.shutil, "which", lambda name: None)
    argv = ["compare", "--backends", "numpy", "--sizes", "200", "--problems", "sine"]
    assert main([*argv, "--count", "instructions"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "apt-get install valgrind" in err


def test_an_unknown_count_is_refused_naming_the_choices(capsys):
    assert main(["compare", "--count", "cycles"]) == 2
    assert "instructions" in capsys.readouterr().err
