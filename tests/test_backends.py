"""The backend contract: lazy imports, honest availability, round trips, a pure kernel."""

import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

from descent_bench import backends

KERNELS = pathlib.Path(__file__).parents[1] / "kernels"


def test_importing_backends_imports_no_array_library_but_numpy():
    code = (
        "import sys; from descent_bench import backends, kernels; "
        "print('jax' in sys.modules, 'cupy' in sys.modules, 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False", "False"]


def test_available_reports_every_backend_with_a_reason_when_unusable():
    statuses = backends.available()
    assert [s.name for s in statuses] == backends.names()
    assert all(s.usable == (s.reason is None) for s in statuses)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_keeps_values_and_dtype(backend, dtype):
    host = np.linspace(-1, 1, 7)
    back = backend.to_numpy(backend.sync(backend.asarray(host, dtype)))
    assert back.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back, host.astype(dtype))


def test_compiled_loop_runs_k_steps(backend):
    run = backend.compile_loop(lambda ops, p, data, lr: p + lr * data[0])
    out = run(
        backend.asarray(np.zeros(3), "float64"), (backend.asarray(np.ones(3), "float64"),), 0.5, 6
    )
    np.testing.assert_array_equal(backend.to_numpy(backend.sync(out)), [3.0, 3.0, 3.0])


def test_unknown_backend_names_the_known_ones():
    with pytest.raises(KeyError, match=", ".join(backends.names())):
        backends.get("mxnet")


def test_kernels_have_no_backend_specific_code():
    source = "\n".join(p.read_text() for p in KERNELS.glob("*.py"))
    assert not re.search(r"\b(import|from)\s+(jax|cupy|array_api_strict|torch)\b", source)
    assert not re.search(r"backend\.name|== *['\"](numpy|jax|cupy|strict)['\"]", source)
