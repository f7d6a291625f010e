"""A row's first call, the answer its check reads, and what the processes hand back:
the warm-up runs K iterations only where the loop compiles, the compile time is the first
call beyond the timed calls' median, the agreement check reads the latest timed call, a
later process's large answer equal to the first one's to the bit is not sent again, and the
next process starts up only once the current one has made its last timed call."""

from typing import ClassVar

import numpy as np
import pytest

from descent_bench import backends
from descent_bench.records.record import Sample
from descent_bench.reference.answer import reference
from descent_bench.reference.bound import max_rel_diff
from descent_bench.timing import merging, planning, rounds, suite
from descent_bench.timing.prepare import prepare
from descent_bench.timing.rows import Row, Runner
from descent_bench.timing.workers import WorkerFailed
from descent_bench.timing.workloads import make_problem

K = 5
ROW = Row("numpy", "numpy", "own", "paraboloid", 10, "float64", K)


def counted_runner(compiles: bool, ks: list[int], impure: bool = False) -> Runner:
    """NumPy's own loop, each call's K written to ``ks``; ``impure``: it also writes its
    answer over the parameters it was given (a loop that is right on its first call only)."""
    numpy = backends.host()

    def make_loop(problem):
        honest = numpy.compile_loop(problem.step)

        def run(params, data, lr, k):
            ks.append(k)
            out = honest(params, data, lr, k)
            if impure:
                params[...] = out
            return out

        return run

    return Runner(numpy, make_loop, None, compiles)


@pytest.mark.parametrize("compiles,first", [(False, 1), (True, K)])
def test_the_first_call_runs_k_iterations_only_where_the_loop_compiles(compiles, first):
    ks: list[int] = []
    prepared = prepare(ROW, counted_runner(compiles, ks))
    assert ks == [first] and prepared.first_iterations == first
    prepared.time_call()
    assert ks == [first, K]


def agreement(params: np.ndarray) -> tuple[float, float]:
    problem = make_problem("paraboloid", 10)
    answer = reference(problem, K, problem.stable_lr(), "float64", None)
    return max_rel_diff(params, answer.params), answer.tolerance("float64", K, None).value


@pytest.mark.parametrize("compiles", [False, True])
def test_the_check_reads_the_timed_calls_answer_not_the_warm_up_s(compiles):
    honest = prepare(ROW, counted_runner(compiles, []))
    honest.time_call()
    diff, tolerance = agreement(honest.final_params())
    assert diff <= tolerance
    # Right on its first call, wrong on every later one (it changed its own start).
    impure = prepare(ROW, counted_runner(compiles, [], impure=True))
    impure.time_call()
    diff, tolerance = agreement(impure.final_params())
    assert diff > 100 * tolerance


def test_an_answer_is_there_before_any_timed_call():
    ks: list[int] = []
    prepared = prepare(ROW, counted_runner(False, ks))
    diff, tolerance = agreement(prepared.final_params())
    assert ks == [1, K] and diff <= tolerance


def test_the_compile_time_is_the_first_call_beyond_the_timed_calls_median():
    prepared = prepare(ROW, counted_runner(True, []))
    prepared.first_seconds = 1.0
    assert prepared.compile_seconds([0.01, 0.03, 0.02]) == pytest.approx(1.0 - 0.02 * K)
    assert prepared.compile_seconds([]) is None
    assert prepared.compile_seconds([1.0]) == 0.0  # never below zero
    eager = prepare(ROW, counted_runner(False, []))
    assert eager.compile_seconds([0.01]) is None


def test_a_small_answer_has_no_digest_and_a_large_one_is_its_bytes():
    assert rounds.answer_digest(np.zeros(10)) is None
    large = np.arange(rounds.SHARED_ANSWER_BYTES // 8, dtype=np.float64)
    same, other = large.copy(), large.copy()
    other[-1] = np.nextafter(other[-1], np.inf)
    assert rounds.answer_digest(large) == rounds.answer_digest(same)
    assert rounds.answer_digest(large) != rounds.answer_digest(other)


def measured_walkers(walkers: int, first_digest: str | None, fault: float = 1.0):
    """The paraboloid row at ``walkers`` as a later process hands it back, its answer
    scaled by ``fault``."""
    row = Row("numpy", "numpy", "own", "paraboloid", walkers, "float64", K)
    prepared = prepare(row, counted_runner(False, []))
    if fault != 1.0:
        honest = prepared.answer

        def answer():
            return honest() * fault

        prepared.answer = answer
    samples = [Sample(1e-3, K, 0, 1)]
    return rounds.measured_row(row, prepared, samples, first_digest)


def test_a_later_process_leaves_out_an_answer_equal_to_the_first_s_and_sends_any_other():
    walkers = rounds.SHARED_ANSWER_BYTES // 16 + 1  # two coordinates a walker: over the line
    first = measured_walkers(walkers, None)
    assert first.final_params is not None and first.digest is not None
    assert measured_walkers(walkers, first.digest).final_params is None
    assert measured_walkers(walkers, "0" * 64).final_params is not None
    small = measured_walkers(10, None)
    assert small.digest is None and measured_walkers(10, None).final_params is not None


def test_a_run_of_one_process_takes_no_digest():
    walkers = rounds.SHARED_ANSWER_BYTES // 16 + 1
    row = Row("numpy", "numpy", "own", "paraboloid", walkers, "float64", K)
    prepared = prepare(row, counted_runner(False, []))
    alone = rounds.measured_row(row, prepared, [Sample(1e-3, K, 0, 0)], None, others=False)
    assert alone.digest is None and alone.final_params is not None


def test_an_answer_a_later_process_got_wrong_is_caught():
    walkers = rounds.SHARED_ANSWER_BYTES // 16 + 1
    first = measured_walkers(walkers, None)
    same = measured_walkers(walkers, first.digest)
    wrong = measured_walkers(walkers, first.digest, fault=1 + 1e-9)
    problem = make_problem("paraboloid", walkers)
    answer = reference(problem, K, problem.stable_lr(), "float64", None)
    settings = planning.Settings(processes=2)
    kept = merging.record(settings, [first, same], {}, None, answer)
    caught = merging.record(settings, [first, wrong], {}, None, answer)
    assert kept.agrees and kept.max_rel_diff == first_diff(first, answer)
    assert not caught.agrees


def first_diff(part, answer) -> float:
    return max_rel_diff(part.final_params, answer.params)


class FakeWorker:
    """A worker that records when it was started and closed (nothing is spawned)."""

    events: ClassVar[list[tuple]] = []

    def __init__(self, process, settings):
        self.events.append(("started", process))

    def close(self):
        self.events.append(("closed",))


@pytest.fixture
def in_this_process(monkeypatch):
    """The suite's workers replaced: each job worked here, its last timed call noted."""
    FakeWorker.events = []
    monkeypatch.setattr(suite, "Worker", FakeWorker)
    failing: list[int] = []

    def run(job, observer, worker=None, on_measured=lambda: None):
        FakeWorker.events.append(("job", job.process, worker is not None))

        def measured():
            FakeWorker.events.append(("measured", job.process))
            on_measured()

        result = rounds.work(job, observer, on_measured=measured)
        if job.process in failing:
            raise WorkerFailed("measuring process failed")
        return result

    monkeypatch.setattr(suite, "run_in_worker", run)
    return failing


def settings_of(processes: int) -> planning.Settings:
    return planning.Settings(
        backends=("numpy",),
        problems=("paraboloid",),
        sizes=(10,),
        iterations=K,
        processes=processes,
        noise_target=1.0,
        budget_seconds=0,
    )


def test_the_next_process_starts_up_once_the_current_one_has_made_its_last_timed_call(
    in_this_process,
):
    result = suite.run_settings(settings_of(3))
    assert FakeWorker.events == [
        ("job", 0, False),
        ("measured", 0),
        ("started", 1),
        ("job", 1, True),
        ("measured", 1),
        ("started", 2),
        ("job", 2, True),
        ("measured", 2),
    ]
    assert all(r.agrees for r in result.records)


def test_a_worker_started_for_a_process_that_never_comes_is_ended(in_this_process):
    in_this_process.append(0)  # the first process fails after its last timed call
    with pytest.raises(WorkerFailed):
        suite.run_settings(settings_of(2))
    assert FakeWorker.events[-2:] == [("started", 1), ("closed",)]
