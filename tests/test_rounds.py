"""Interleaved rounds, the noise stop and the verdicts of ``diff``, with fake backends whose
clock is synthetic: NumPy arrays (so rows are checked for agreement as usual), calls that
take about a millisecond of real time, and timings drawn from a seeded distribution."""

import sys
import time

import numpy as np
import pytest

from descent_bench import backends
from descent_bench.backends.calls import CallTime
from descent_bench.backends.numpy import NumpyBackend
from descent_bench.records.verdicts import diff
from descent_bench.timing import planning, suite
from descent_bench.timing.observer import Silent
from descent_bench.timing.rows import rows

CALLS: list[str] = []  # the label of every timed K-call, in order


class FakeClockBackend(NumpyBackend):
    """NumPy, timed by a synthetic clock: ``seconds`` per call times ``slowdown``, with
    log-normal noise of ``noise`` (its sigma)."""

    seconds = 1e-3
    slowdown = 1.0
    noise = 0.01

    def __init__(self) -> None:
        super().__init__()
        self.rng = np.random.default_rng(sum(map(ord, self.name)))

    def compile_loop(self, step):
        loop = super().compile_loop(step)

        def run(params, data, lr, k):
            CALLS.append(self.name)
            time.sleep(self.seconds)  # real time passes, so a budget is reached
            return loop(params, data, lr, k)

        return run

    def timed_call(self, fn):
        fn()
        draw = self.rng.lognormal(0.0, self.noise)
        return CallTime(self.seconds * self.slowdown * draw, None)


def fake(name: str, **attributes) -> type[FakeClockBackend]:
    return type(f"Fake_{name}", (FakeClockBackend,), {"name": name, **attributes})


@pytest.fixture
def register(monkeypatch):
    """Register fake backends (and only their own rows in a comparison)."""
    added = []

    def add(*classes):
        for cls in classes:
            backends.register(cls.name, cls)
            added.append(cls.name)

        def own_rows(names, problem, size, dtype="float64", iterations=1, threads=1, counts=(1,)):
            made = rows(names, problem, size, dtype, iterations, threads)
            return [r for r in made if r.loop == "own"]

        monkeypatch.setattr(planning, "rows", own_rows)
        return [cls.name for cls in classes]

    CALLS.clear()
    yield add
    for name in added:
        backends.unregister(name)


def paraboloid(names, **settings):
    """Settings for ``names`` on the paraboloid, 10 walkers and K = 5 unless said."""
    return planning.Settings(
        **{
            "backends": tuple(names),
            "problems": ("paraboloid",),
            "sizes": (10,),
            "iterations": 5,
            **settings,
        }
    )


def measure(names, **settings):
    return suite.run(suite.plan(paraboloid(names, **{"processes": 1, **settings})))


def round_calls(names, result):
    """The labels timed in each round (the preparation call of each row left out)."""
    timed = CALLS[len(names) :]
    return [timed[i : i + len(names)] for i in range(0, len(timed), len(names))]


def test_every_contender_is_timed_once_every_round(register):
    names = register(fake("fake-a"), fake("fake-b"), fake("fake-c"))
    result = measure(names, min_rounds=8, noise_target=1.0, budget_seconds=0)
    rounds = round_calls(names, result)
    assert len(rounds) == 8
    assert all(sorted(r) == sorted(names) for r in rounds)


def test_the_order_of_calls_changes_between_rounds(register):
    names = register(fake("fake-a"), fake("fake-b"), fake("fake-c"))
    rounds = round_calls(names, measure(names, min_rounds=8, noise_target=1.0, budget_seconds=0))
    assert len({tuple(r) for r in rounds}) > 1


def test_a_quiet_run_stops_at_the_minimum_rounds(register):
    names = register(fake("fake-a"), fake("fake-b"))
    start = time.perf_counter()
    result = measure(names, min_rounds=5, noise_target=0.2, budget_seconds=30)
    assert time.perf_counter() - start < 20
    assert [len(r.samples) for r in result.records] == [5, 5]
    assert not any(r.noisy for r in result.records)


def test_rows_that_cannot_be_ranked_run_to_the_budget_and_the_wide_ones_are_marked(register):
    # Two rows of one speed, both wide: their intervals overlap however many calls are made.
    names = register(fake("fake-noisy", noise=1.0), fake("fake-noisy-too", noise=1.0))
    start = time.perf_counter()
    result = measure(names, min_rounds=5, noise_target=0.1, budget_seconds=1.0)
    elapsed = time.perf_counter() - start
    assert elapsed >= 1.0
    assert all(len(r.samples) > 5 and r.noisy for r in result.records)


def test_a_wide_row_far_from_the_others_does_not_hold_the_run(register):
    names = register(fake("fake-quiet"), fake("fake-far", noise=0.3, slowdown=1000.0))
    result = measure(names, min_rounds=5, noise_target=0.05, budget_seconds=30)
    assert [len(r.samples) for r in result.records] == [5, 5]


def test_every_row_keeps_its_calls_with_k_round_and_process(register):
    names = register(fake("fake-a"))
    (record,) = measure(names, min_rounds=3, noise_target=1.0, budget_seconds=0).records
    assert [(s.iterations, s.round, s.process) for s in record.samples] == [
        (5, 0, 0),
        (5, 1, 0),
        (5, 2, 0),
    ]
    assert record.seconds_per_iteration == pytest.approx(np.median(record.per_iteration()))


def test_a_row_made_slower_is_called_slower_and_an_unchanged_one_same(register):
    names = register(fake("fake-changed"), fake("fake-unchanged"))
    quiet = {"min_rounds": 12, "noise_target": 1.0, "budget_seconds": 0}
    old = measure(names, **quiet).records
    backends.get("fake-changed").slowdown = 1.3
    new = measure(names, **quiet).records
    verdicts = {c.new.backend: c.verdict for c in diff(old, new).changes}
    assert verdicts == {"fake-changed": "slower", "fake-unchanged": "same"}


def test_a_row_made_faster_is_called_faster(register):
    names = register(fake("fake-changed"))
    quiet = {"min_rounds": 12, "noise_target": 1.0, "budget_seconds": 0}
    old = measure(names, **quiet).records
    backends.get("fake-changed").slowdown = 0.7
    (change,) = diff(old, measure(names, **quiet).records).changes
    assert change.verdict == "faster" and change.ratio.high < 1


def test_rows_run_in_two_worker_processes_by_default(tmp_path):
    settings = planning.Settings(
        backends=("numpy",),
        problems=("paraboloid",),
        sizes=(10,),
        iterations=5,
        min_rounds=4,
        budget_seconds=0,
    )
    result = suite.run(suite.plan(settings))
    assert result.workers == 2
    for record in result.records:
        assert {s.process for s in record.samples} == {0, 1}
        assert record.agrees and record.threads == 1


def test_a_backend_the_workers_cannot_load_is_one_line_and_exit_2(register, capsys):
    from descent_bench.cli import main

    # Registered in this process only: the spawned worker that plans does not know it.
    (name,) = register(fake("fake-here-only"))
    argv = ["compare", "--backends", name, "--problems", "paraboloid", "--sizes", "10"]
    assert main([*argv, "--iterations", "5", "--budget", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--backends: unknown backend 'fake-here-only'" in err[0]


def test_a_worker_that_dies_is_one_line_and_exit_5(monkeypatch, tmp_path, capsys):
    import os

    from descent_bench.cli import main

    # Every new interpreter started from here ends at once: the spawned worker included.
    (tmp_path / "sitecustomize.py").write_text("import os\nos._exit(7)\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), *sys.path]))
    argv = ["compare", "--backends", "numpy", "--problems", "paraboloid", "--sizes", "10"]
    assert main([*argv, "--iterations", "5", "--budget", "0"]) == 5
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "measuring process 1 ended without a result (exit code 7)" in err[0]


def test_later_processes_replay_the_first_s_visits(register):
    from descent_bench.timing.rounds import Job, work

    names = register(fake("fake-noisy", noise=1.0))
    settings = paraboloid(names, sizes=(10, 20), noise_target=0.2)
    first = work(Job(settings, 0, rounds=2, seconds=0.5), Silent())
    assert all(n > 2 for n in first.rounds_by_size().values()), first.rounds_by_size()
    # No time for extra rounds, yet it makes the visits the first process made.
    later = work(Job(settings, 1, 2, 0.0, tuple(first.schedule)), Silent())
    assert later.schedule == first.schedule
    assert [len(r.samples) for r in later.rows] == [len(r.samples) for r in first.rows]


def test_a_later_process_runs_each_visit_s_rounds(register):
    from descent_bench.timing.rounds import Job, Visit, work

    names = register(fake("fake-noisy", noise=1.0))
    settings = paraboloid(names, sizes=(10, 20))
    schedule = (
        Visit(("paraboloid", 20), 4),
        Visit(("paraboloid", 10), 3),
        Visit(("paraboloid", 20), 3),
    )
    result = work(Job(settings, 1, 2, 0.0, schedule), Silent())
    assert tuple(result.schedule) == schedule
    assert [len(r.samples) for r in result.rows] == [3, 7]
    # Rounds are numbered per size across its visits.
    assert [s.round for s in result.rows[1].samples] == list(range(7))


def test_a_noisy_run_visits_each_size_again_and_again(register):
    """A size's calls are spread over the run, not timed in one block: a slow stretch of
    the machine lasting seconds cannot cover all the calls of one size."""
    from descent_bench.timing import rounds, visits

    names = register(fake("fake-noisy", noise=1.0))
    settings = paraboloid(names, sizes=(10, 20), noise_target=0.2)
    result = rounds.work(rounds.Job(settings, 0, 2, 1.2), Silent())
    sizes = [visit.size for visit in result.schedule]
    # Cycle after cycle, each size once (the last cycle may be cut short by the deadline).
    cycles = [sorted(sizes[i : i + 2]) for i in range(0, len(sizes) - 1, 2)]
    assert len(cycles) >= 3, sizes
    assert all(c == [("paraboloid", 10), ("paraboloid", 20)] for c in cycles), sizes
    # After the first cycle (the minimum), a visit lasts about VISIT_SECONDS of 1 ms calls,
    # and no more than VISIT_ROUNDS, so a quick size reaches MAX_ROUNDS over many visits.
    later = [v.rounds for v in result.schedule[2:]]
    assert max(later) > 10 and max(later) <= visits.VISIT_ROUNDS


def test_the_first_cycle_runs_every_size_s_minimum(register):
    from descent_bench.timing.rounds import Job, Visit, work

    names = register(fake("fake-quiet"))
    settings = paraboloid(names, sizes=(10, 20, 30), noise_target=0.5)
    result = work(Job(settings, 0, 4, 30.0), Silent())
    assert sorted(result.schedule, key=lambda v: v.size) == [
        Visit(("paraboloid", n), 4) for n in (10, 20, 30)
    ]


def test_later_processes_prepare_sizes_in_the_first_s_groups(register, monkeypatch):
    """Free memory differs between processes; a replay must meet the same groups."""
    from descent_bench.timing import rounds

    names = register(fake("fake-noisy", noise=1.0))
    settings = paraboloid(names, sizes=(10, 20, 30), noise_target=0.2)
    monkeypatch.setattr(rounds, "available_bytes", lambda: 1)  # one size per group
    first = rounds.work(rounds.Job(settings, 0, 2, 0.6), Silent())
    assert first.groups == [[("paraboloid", n)] for n in (10, 20, 30)]
    # Each group's visits come before the next group's.
    sizes = [visit.size[1] for visit in first.schedule]
    assert sizes == sorted(sizes), sizes
    monkeypatch.setattr(rounds, "available_bytes", lambda: None)  # room for all at once
    groups = tuple(tuple(g) for g in first.groups)
    job = rounds.Job(settings, 1, 2, 0.0, tuple(first.schedule), groups)
    later = rounds.work(job, Silent())
    assert later.groups == first.groups and later.schedule == first.schedule


def test_sizes_that_do_not_fit_together_are_measured_group_by_group():
    from descent_bench.kernels import PROBLEMS
    from descent_bench.timing.rounds import size_groups

    problems = [PROBLEMS["sine"].at_size(n) for n in (2000, 20_000, 200_000)]
    need = [2 * p.memory_bytes(8) for p in problems]
    assert size_groups(problems, "float64", None) == [[0, 1, 2]]
    assert size_groups(problems, "float64", sum(need)) == [[0, 1, 2]]
    assert size_groups(problems, "float64", need[0] + need[1]) == [[0, 1], [2]]
    assert size_groups(problems, "float64", 1) == [[0], [1], [2]]


def test_the_suite_hands_the_first_process_s_visits_to_the_others(register, monkeypatch):
    from descent_bench.timing import rounds

    jobs = []

    def in_this_process(job, observer, worker=None, on_measured=None):  # no spawning
        assert worker is None  # a worker is started ahead only by a spawned one's signal
        jobs.append(job)
        return rounds.work(job, observer)

    monkeypatch.setattr(suite, "run_in_worker", in_this_process)
    names = register(fake("fake-noisy", noise=1.0), fake("fake-quiet"))
    chosen = paraboloid(names, processes=3, noise_target=0.2, budget_seconds=1.5)
    result = suite.run(suite.plan(chosen))
    assert jobs[0].schedule is None
    assert [job.schedule for job in jobs[1:]] == [jobs[1].schedule] * 2
    decided = sum(visit.rounds for visit in jobs[1].schedule)
    assert decided > 2  # the noisy row kept the first process going
    for record in result.records:
        per_process = [sum(s.process == p for s in record.samples) for p in range(3)]
        assert per_process == [decided] * 3


def test_fewer_than_three_calls_count_as_noisy():
    from descent_bench.timing.stopping import is_noisy

    assert is_noisy([1.0, 1.0], 0.05)
    assert not is_noisy([1.0, 1.0, 1.0], 0.05)


def test_compiling_does_not_use_up_the_time_for_rounds(register):
    from descent_bench.timing.rounds import Job, work

    class SlowToPrepare(FakeClockBackend):
        name = "fake-slow-prepare"
        noise = 1.0

        def compile_loop(self, step):
            time.sleep(0.6)  # longer than the whole time for rounds below
            return super().compile_loop(step)

    names = register(SlowToPrepare)
    settings = paraboloid(names, sizes=(10, 20), noise_target=0.2)
    result = work(Job(settings, 0, 3, 0.5), Silent())
    assert all(n > 3 for n in result.rounds_by_size().values()), result.rounds_by_size()


def test_hosts_of_a_multi_host_run_all_run_the_minimum_rounds(register):
    """Collective calls need every host: no host may stop on its own noise."""
    names = register(fake("fake-two-hosts", noise=1.0, process_count=lambda self: 2))
    chosen = paraboloid(names, processes=2, min_rounds=4, noise_target=0.2, budget_seconds=1.0)
    result = suite.run(suite.plan(chosen))
    assert result.workers == 1
    assert [len(r.samples) for r in result.records] == [4]


def test_sizes_at_the_round_cap_do_not_keep_the_visits_going(register, monkeypatch):
    """A row still noisy once its size has MAX_ROUNDS rounds cannot get quieter: the run
    stops there instead of visiting until the budget is spent."""
    from descent_bench.timing import rounds, visits

    monkeypatch.setattr(visits, "MAX_ROUNDS", 6)
    names = register(fake("fake-noisy", noise=1.0))
    settings = paraboloid(names, sizes=(10, 20), noise_target=0.2)
    start = time.perf_counter()
    result = rounds.work(rounds.Job(settings, 0, 2, 30.0), Silent())
    assert time.perf_counter() - start < 15
    assert result.rounds_by_size() == {("paraboloid", 10): 6, ("paraboloid", 20): 6}


def test_a_group_s_rows_are_freed_before_the_next_group_is_timed(register, monkeypatch):
    """Groups exist because their rows do not fit in memory together."""
    import gc
    import weakref

    from descent_bench.timing import rounds

    names = register(fake("fake-a"), fake("fake-b"))
    settings = paraboloid(names, sizes=(10, 20, 30), noise_target=1.0)
    monkeypatch.setattr(rounds, "available_bytes", lambda: 1)  # one size per group
    made: list[weakref.ref] = []
    alive_at_each_group: list[int] = []
    prepare_row, time_visits = rounds.prepare_row, rounds.time_visits

    def tracked_prepare(row, shared=None):
        prepared = prepare_row(row, shared)
        made.append(weakref.ref(prepared))
        return prepared

    def counting_time_visits(prepared, *args, **kwargs):
        gc.collect()
        alive_at_each_group.append(sum(ref() is not None for ref in made))
        return time_visits(prepared, *args, **kwargs)

    monkeypatch.setattr(rounds, "prepare_row", tracked_prepare)
    monkeypatch.setattr(rounds, "time_visits", counting_time_visits)
    result = rounds.work(rounds.Job(settings, 0, 3, 0.0), Silent())
    assert result.groups == [[("paraboloid", n)] for n in (10, 20, 30)]
    # Only the group about to be timed is alive: its two rows, never an earlier group's.
    assert alive_at_each_group == [2, 2, 2]
