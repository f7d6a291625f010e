"""The roofs: where a size's data lives, the two measured roofs, each row placed under the one
that binds, and the default's large size beyond the last-level cache."""

import json
import time

import numpy as np
import pytest
from test_diff import record

from descent_bench import backends, kernels
from descent_bench.cli import main
from descent_bench.kernels import capabilities
from descent_bench.kernels.capabilities import resident_bytes
from descent_bench.machine import cache
from descent_bench.machine.roofs import DRAM, data_level
from descent_bench.native import fused as native
from descent_bench.timing.sizes import STREAMING_FACTOR, quick_sizes, streaming_size
from descent_bench.timing.workloads import make_problem

needs_compiler = pytest.mark.skipif(
    native.unavailable_reason() is not None, reason=f"{native.unavailable_reason()}"
)
LEVELS = {"L1": 32 * 2**10, "L2": 2**20, "L3": 32 * 2**20}


@pytest.mark.parametrize(
    ("nbytes", "level"),
    [(16 * 2**10, "L1"), (32 * 2**10, "L1"), (33 * 2**10, "L2"), (2**20, "L2"), (2**25, "L3")],
)
def test_data_lives_in_the_smallest_level_that_holds_it(nbytes, level):
    assert data_level(nbytes, LEVELS) == level
    assert data_level(2**25 + 1, LEVELS) == DRAM


def test_data_lives_where_its_bytes_fit_once_though_an_update_moves_them_twice():
    sine = make_problem("sine", 2000)
    assert resident_bytes(sine, 8) == sine.bytes_per_iteration(8) == 2 * 2000 * 8  # x, y
    walkers = make_problem("paraboloid", 2000)
    assert walkers.bytes_per_iteration(8) == 2 * 2000 * 2 * 8  # read and written
    assert resident_bytes(walkers, 8) == 2000 * 2 * 8  # 32,000 bytes: they live in L1
    assert data_level(resident_bytes(walkers, 8), LEVELS) == "L1"


@pytest.mark.parametrize("problem", ["sine", "paraboloid"])
@pytest.mark.parametrize("itemsize", [8, 4])
def test_the_large_default_size_is_round_and_at_least_four_last_level_caches(problem, itemsize):
    size = streaming_size(problem, itemsize, 32 * 2**20)
    # the bytes an iteration works on: x and y; the walkers once, though read and written
    nbytes = resident_bytes(make_problem(problem, size), itemsize)
    assert nbytes >= STREAMING_FACTOR * 32 * 2**20
    assert str(size).lstrip("125").strip("0") == ""  # 1, 2 or 5 times a power of ten
    smaller = resident_bytes(make_problem(problem, size // 2), itemsize)
    assert smaller < STREAMING_FACTOR * 32 * 2**20 * 1.01 or size // 2 < 2
    assert quick_sizes(problem, itemsize, 32 * 2**20)[-1] == size


def test_the_last_level_is_measured_where_the_read_stops_getting_slower():
    # A read rate that falls at 32 MiB, then stays: the cache ends there.
    def rate(nbytes):
        return 80.0 if nbytes <= 32 * 2**20 else 31.0

    assert cache.measured_last_level(rate) == 32 * 2**20
    assert cache.measured_last_level(lambda n: 30.0) is None  # nothing cached


def test_the_reports_disagreeing_make_the_last_level_measured(monkeypatch):
    monkeypatch.setattr(cache, "reported_levels", lambda: dict(LEVELS))
    monkeypatch.setattr(cache, "configured_last_level", lambda: 320 * 2**20)
    monkeypatch.setattr(cache, "_remembered", lambda measure: 48 * 2**20)
    cache.caches.cache_clear()
    try:
        found = cache.caches()
    finally:
        cache.caches.cache_clear()
    assert found.sizes["L3"] == 48 * 2**20 and "disagree" in found.source
    assert "32 MiB" in found.source and "320 MiB" in found.source


def roofed(**changes):
    return record("numpy", 1e-6, **changes)


def test_the_larger_roof_binds():
    r = roofed(data_in="L1", compute_roof_seconds=4e-7, memory_roof_seconds=2e-7)
    assert (r.roof_seconds, r.binding_roof) == (4e-7, "compute")
    r = roofed(data_in=DRAM, compute_roof_seconds=4e-7, memory_roof_seconds=9e-7)
    assert (r.roof_seconds, r.binding_roof) == (9e-7, "memory")
    assert roofed().binding_roof == "" and roofed().roof_seconds is None


@needs_compiler
def test_no_correct_loop_beats_the_compute_roof():
    """The C loop does exactly the sine fit's arithmetic: the compute roof must not be slower
    than it (a roof measured on one chain, or on scalars, would be several times slower)."""
    from descent_bench.native import roofs

    problem = kernels.SineFit(2000)
    work = capabilities.arithmetic(problem)
    x, y = (np.asarray(a, dtype=np.float64) for a in problem.host_data())
    library = native.load()
    c = problem.initial_params(seed=0)
    library.moment_descent(c, x, y, 1e-9, 200, False)
    best = min(_timed(lambda: library.moment_descent(c, x, y, 1e-9, 2000, False)) for _ in range(5))
    roof = work.points * roofs.peak_seconds_per_point(work.fma, work.add, "float64")
    assert roof <= best / 2000 * 1.05


@needs_compiler
def test_a_read_in_streams_reads_every_part_of_the_array():
    """Two or four parts side by side: the same bytes as one read, at a plausible rate (a
    stream that read nothing, or read one part twice, would report many times more)."""
    from descent_bench.native import roofs

    one = roofs.read_gbytes_per_second(2**20, "float64")
    for streams in roofs.STREAMS[1:]:
        rate = roofs.read_gbytes_per_second(2**20, "float64", streams)
        assert one / 4 < rate < one * 4
    with pytest.raises(ValueError, match="streams must be one of"):
        roofs.read_gbytes_per_second(2**20, "float64", 3)


def test_the_memory_read_roof_is_the_fastest_read_of_a_large_array_in_the_run():
    from descent_bench.records.run import Ceiling, Roofs
    from descent_bench.timing.rounds import with_streamed_read

    def roofs_reading(rate):
        return Roofs({"L1": 200.0, DRAM: rate}, {DRAM: 50.0}, {"L1": 2**15}, "sysfs", {}, 64)

    ceilings = {"cpu": Ceiling(30.0, "c-stream")}
    assert with_streamed_read(ceilings, roofs_reading(33.0))["cpu"] == Ceiling(33.0, "c-streams")
    assert with_streamed_read(ceilings, roofs_reading(29.0)) == ceilings
    assert with_streamed_read(ceilings, None) == ceilings
    assert with_streamed_read({}, roofs_reading(33.0)) == {}


def _timed(call):
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def test_numba_runs_the_paraboloid_as_its_own_compiled_loop():
    numba = backends.get("numba")
    if numba.unavailable_reason():
        pytest.skip(f"numba unavailable: {numba.unavailable_reason()}")
    problem = kernels.Paraboloid(2, 7)
    loop = numba.load().compile_loop(problem.step)
    assert loop.__qualname__.startswith("decay_loop")
    start = problem.initial_params(seed=0)
    np.testing.assert_allclose(loop(start, (), 0.001, 50), 0.998**50 * start, rtol=1e-13)


@needs_compiler
def test_compare_places_every_row_under_a_named_roof(tmp_path, capsys):
    path = tmp_path / "r.json"
    argv = ["compare", "--backends", "numpy", "--problems", "sine", "--sizes", "2000"]
    assert main([*argv, "--iterations", "20", "--budget", "0", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    doc = json.loads(path.read_text())
    (record,) = doc["records"]
    assert record["data_in"] == "L1" or record["data_in"].startswith("L")
    assert record["compute_roof_seconds"] > 0 and record["memory_roof_seconds"] > 0
    roofs = doc["roofs"]["cpu"]
    assert roofs["peak_seconds_per_point"]["6 fma + 5 add"] > 0
    assert set(roofs["read_gbytes_per_second"]) == {*roofs["cache_bytes"], DRAM}
    assert "% roof" in out and "-bound)" in out
