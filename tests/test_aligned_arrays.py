"""The counted process's NumPy allocator: every array on a 64-byte boundary, contents kept,
and a one-line reason where it cannot be built."""

import subprocess
import sys
import textwrap

import pytest

from descent_bench.instructions import aligned_arrays

needs_allocator = pytest.mark.skipif(
    aligned_arrays.unavailable_reason() is not None,
    reason=f"no aligned allocator here: {aligned_arrays.unavailable_reason()}",
)

# Run in a process of its own: installing the allocator changes that process for good.
CHECK = textwrap.dedent(
    """
    import numpy as np
    from descent_bench.instructions import aligned_arrays

    before = [np.empty(n).ctypes.data % 64 for n in range(1, 200)]
    aligned_arrays.install()
    assert aligned_arrays.handler_name() == "descent_bench_aligned_64"
    made = [np.empty(n, dtype=d) for n in (1, 3, 17, 2000, 100_001) for d in ("f4", "f8")]
    made += [np.zeros(33), np.ones((7, 5)) * 2, np.arange(10.0) + 1, np.concatenate(made[:4])]
    grown = np.arange(10.0)
    grown.resize(5000, refcheck=False)  # a reallocation keeps what was there
    assert grown[:10].tolist() == list(range(10)) and not grown[10:].any()
    assert all(a.ctypes.data % 64 == 0 for a in [*made, grown])
    assert np.zeros(1000).sum() == 0  # calloc'd
    print(sum(1 for b in before if b), "of", len(before), "unaligned before")
    """
)


@needs_allocator
def test_every_array_made_after_install_starts_on_a_64_byte_boundary():
    command = [sys.executable, "-c", CHECK]
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    unaligned_before = int(done.stdout.split()[0])
    assert unaligned_before > 0  # the default allocator does not do it by itself


def test_without_pythons_headers_the_reason_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(aligned_arrays.sysconfig, "get_paths", lambda: {"include": str(tmp_path)})
    aligned_arrays._library.cache_clear()
    try:
        reason = aligned_arrays.unavailable_reason()
    finally:
        aligned_arrays._library.cache_clear()
    assert reason is not None and "python3-dev" in reason
