"""The thread policy and the machine's state around a run."""

import os

import pytest

from descent_bench.machine import state as machine_state
from descent_bench.machine.state import CpuTimes, Snapshot
from descent_bench.timing import threads

STAT = """cpu  1000 20 300 5000 100 7 3 50 0 0
cpu0 500 10 150 2500 50 3 2 25 0 0
"""


def test_proc_stat_is_read_in_seconds():
    hz = os.sysconf("SC_CLK_TCK")
    times = machine_state.cpu_times(STAT)
    assert times == CpuTimes((1000 + 20 + 300 + 7 + 3) / hz, (5000 + 100) / hz, 50 / hz)


def snapshots(other_busy_seconds, steal_seconds, own_seconds=10.0, wall=10.0):
    before = Snapshot(0.0, (0.1, 0.1, 0.1), CpuTimes(100.0, 100.0, 0.0), 0.0)
    busy = 100.0 + own_seconds + other_busy_seconds
    idle = 100.0 + 2 * wall - own_seconds - other_busy_seconds - steal_seconds
    after = Snapshot(wall, (1.0, 0.5, 0.2), CpuTimes(busy, idle, steal_seconds), own_seconds)
    return before, after


def test_other_processes_busy_cores_are_warned_about(monkeypatch):
    monkeypatch.setattr(machine_state, "governor", lambda: None)
    state = machine_state.state(*snapshots(other_busy_seconds=8.0, steal_seconds=0.0))
    assert state.other_busy_cores == pytest.approx(0.8)
    assert len(state.warnings) == 1 and "0.80 cores" in state.warnings[0]


def test_a_quiet_machine_gets_no_warning(monkeypatch):
    monkeypatch.setattr(machine_state, "governor", lambda: None)
    state = machine_state.state(*snapshots(other_busy_seconds=0.5, steal_seconds=0.0))
    assert state.warnings == ()


def test_steal_time_is_warned_about(monkeypatch):
    monkeypatch.setattr(machine_state, "governor", lambda: None)
    state = machine_state.state(*snapshots(other_busy_seconds=0.0, steal_seconds=2.0))
    assert state.steal_fraction == pytest.approx(0.1)
    assert any("steal" in w for w in state.warnings)


def test_frequency_scaling_is_warned_about(monkeypatch):
    monkeypatch.setattr(machine_state, "governor", lambda: "powersave")
    state = machine_state.state(*snapshots(other_busy_seconds=0.0, steal_seconds=0.0))
    assert any("frequency scaling" in w for w in state.warnings)


def test_workers_take_successive_cpus():
    assert threads.cpus_for(0, 1, [0, 1]) == [0]
    assert threads.cpus_for(1, 1, [0, 1]) == [1]
    assert threads.cpus_for(2, 1, [0, 1]) == [0]
    assert threads.cpus_for(1, 2, [4, 5, 6]) == [6, 4]
    assert threads.cpus_for(0, 8, [0, 1]) == [0, 1]


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity here")
def test_held_threads_pin_the_process_and_the_blas_pool_then_restore_them():
    from threadpoolctl import threadpool_info

    before = os.sched_getaffinity(0)
    blas_before = [p["num_threads"] for p in threadpool_info()]
    with threads.held(0, 1) as hold:
        assert os.sched_getaffinity(0) == set(hold.cpus) and len(hold.cpus) == 1
        assert all(p["num_threads"] == 1 for p in threadpool_info())
        hold.widen()  # libraries started: every CPU again, the pools still held
        assert os.sched_getaffinity(0) == before
        assert all(p["num_threads"] == 1 for p in threadpool_info())
    assert os.sched_getaffinity(0) == before
    assert [p["num_threads"] for p in threadpool_info()] == blas_before
