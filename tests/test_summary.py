"""The summary of a comparison, on a synthetic run whose answer is known."""

import numpy as np

from descent_bench.output.cells import shown_rows
from descent_bench.output.report import screen
from descent_bench.output.summary import summarize
from descent_bench.records.record import Record, Sample
from descent_bench.records.run import Ceiling


def record(label, size, seconds, *, spread=0.01, baseline=False, agrees=True):
    rng = np.random.default_rng(sum(map(ord, label)) + size)
    samples = tuple(
        Sample(float(seconds * (1 + spread * rng.standard_normal())), 1, i // 2, i % 2)
        for i in range(40)
    )
    return Record(
        backend=label,
        library="numpy",
        device="cpu",
        problem="sine",
        size=size,
        dtype="float64",
        iterations=1,
        compile_seconds=None,
        seconds_per_iteration=seconds,
        bytes_per_iteration=16 * size,
        bandwidth_fraction=0.5,
        max_rel_diff=1e-16 if agrees else 1e-3,
        agrees=agrees,
        baseline=baseline,
        devices=1,
        samples=samples,
        threads=1,
    )


RUN = [
    record("tutorial", 2000, 100e-6, baseline=True),
    record("c-fused", 2000, 0.4e-6),
    record("jax", 2000, 0.8e-6),
    record("numpy", 2000, 4.0e-6),
    record("numba", 2000, 4.02e-6),  # within numpy's interval: a tie, not second
    record("c-fused", 2_000_000, 1.0e-3),
    record("jax", 2_000_000, 2.0e-3),
    record("numpy", 2_000_000, 1.5e-3),
    record("numba", 2_000_000, 3.0e-3, agrees=False),
]
CEILINGS = {"cpu": Ceiling(30.0, "c-stream")}


def lines():
    return summarize(shown_rows(RUN), CEILINGS).lines()


def test_the_fastest_backend_per_size_with_its_margins():
    first, second = lines()[:2]
    assert first.startswith("sine 2,000: jax, 80")
    assert "faster than numpy" in first or "faster than numba" in first
    assert "faster than the tutorial" in first and "; the C loop " in first
    assert second.startswith("sine 2,000,000: numpy, 1.5") and "faster than jax" in second


def test_the_c_loop_and_baselines_are_not_ranked():
    text = "\n".join(lines())
    assert "sine 2,000: c-fused" not in text and "sine 2,000: tutorial" not in text


def test_a_change_of_the_fastest_with_size_is_a_crossover():
    assert "sine: fastest changes between 2,000 and 2,000,000 (jax -> numpy)" in lines()


def test_disagreeing_rows_and_the_ceiling_are_named():
    text = "\n".join(lines())
    assert "DISAGREE with the reference: numba sine 2,000,000" in text
    assert "divides by 30.0 GB/s" in text and "(c-stream)" in text


def test_the_summary_is_in_the_json_derived_from_the_records():
    doc = summarize(shown_rows(RUN), CEILINGS).as_json()
    fastest = {(f["problem"], f["size"]): f["fastest"] for f in doc["fastest"]}
    assert fastest == {("sine", 2000): "jax", ("sine", 2_000_000): "numpy"}
    assert doc["disagreeing"] == [{"backend": "numba", "problem": "sine", "size": 2_000_000}]


def test_a_row_that_disagrees_is_never_named_fastest():
    wrong = [record("numba", 2000, 0.1e-6, agrees=False), *RUN]
    first = summarize(shown_rows(wrong), CEILINGS).lines()[0]
    assert first.startswith("sine 2,000: jax, ")


def test_ties_are_marked_in_the_table():
    out = screen(RUN, CEILINGS, "title", 100)
    numpy_row = next(line for line in out if line.startswith("numpy "))
    numba_row = next(line for line in out if line.startswith("numba "))
    jax_row = next(line for line in out if line.startswith("jax "))
    # numpy and numba at 2,000 overlap; jax is apart from every other row at 2,000.
    assert numpy_row.split("±")[1].split()[1] == "~"
    assert numba_row.split("±")[1].split()[1] == "~"
    assert "~" not in jax_row.split("±")[1].split()[:2]
