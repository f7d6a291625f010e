"""One row model: compare's contenders and the benchmark suites' rows come from one list,
and a measured row has one identity."""

from descent_bench import backends, bench
from descent_bench.records.record import RowId
from descent_bench.timing import suite
from descent_bench.timing.rows import rows


def test_compare_times_exactly_the_rows_of_the_model():
    settings = suite.Settings(
        backends=("numpy", "jax"), problems=("sine",), sizes=(2000,), baselines=True
    )
    labels = [r.label for r in rows(["numpy", "jax"], "sine", 2000)]
    assert [r.label for r in suite.plan(settings).rows] == labels
    assert labels[:2] == ["tutorial", "c-fused"]
    assert {"jax-standard", "jax-step"} <= set(labels)


def test_the_benchmark_suites_read_the_same_rows():
    model = {(r.label, r.backend, r.loop) for r in rows(backends.names(), "sine", 2000)}
    assert set(bench.table_rows()) <= model
    # only the standard-only and C rows are compare's alone (asv has classes of its own)
    left = {loop for _, _, loop in model - set(bench.table_rows())}
    assert left <= {"standard", "fused"}


def test_a_row_over_several_devices_is_its_own_row():
    made = rows(["jax", "numpy"], "sine", 2000, device_counts=(1, 2))
    counts = [r.devices for r in made if r.loop == "own"]
    assert counts == [1, 2, 1]  # jax splits over devices, numpy does not


def test_a_record_carries_the_identity_the_suite_merged_it_by():
    settings = suite.Settings(
        backends=("numpy",),
        problems=("paraboloid",),
        sizes=(5,),
        iterations=3,
        processes=1,
        budget_seconds=0,
    )
    result = suite.run(suite.plan(settings))
    ids = {r.row_id for r in result.records}
    assert RowId("numpy", "paraboloid", 5, "float64", 1, settings.threads) in ids
    assert len(ids) == len(result.records)
