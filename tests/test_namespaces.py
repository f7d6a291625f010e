"""``xp:MODULE``: any array-API namespace measured by name, through the standard alone."""

import json

import numpy as np
import pytest

from availability import unavailable_reason
from descent_bench import backends
from descent_bench.backends.namespace import NamespaceBackend
from descent_bench.cli import main
from descent_bench.timing.prepare import prepare
from descent_bench.timing.rows import row_for

STRICT = "xp:array_api_strict"
needs_strict = pytest.mark.skipif(
    bool(unavailable_reason("strict")), reason=f"strict: {unavailable_reason('strict')}"
)


@needs_strict
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("problem,size", [("sine", 2000), ("paraboloid", 1000)])
def test_a_namespace_by_name_gives_the_strict_rows_result_to_the_last_bit(problem, size, dtype):
    by_name = prepare(row_for(STRICT, "own", problem, size, dtype, 50)).final_params()
    built_in = prepare(row_for("strict", "own", problem, size, dtype, 50)).final_params()
    assert by_name.tobytes() == built_in.tobytes()


@needs_strict
def test_compare_runs_a_namespace_by_name_beside_numpy_and_both_agree(tmp_path, capsys):
    path = tmp_path / "r.json"
    argv = ["compare", "--backends", f"numpy,{STRICT}", "--problems", "sine", "--sizes", "2000"]
    code = main([*argv, "--iterations", "20", "--budget", "0", "--json", str(path)])
    out = capsys.readouterr().out
    records = {r["backend"]: r for r in json.loads(path.read_text())["records"]}
    assert code == 0
    assert records[STRICT]["agrees"] and records["numpy"]["agrees"]
    # The conservative bound, and what the row could not do, said under the table.
    assert "worst case" in records[STRICT]["bound_model"]
    assert any("standard's primitives alone" in n for n in records[STRICT]["notes"])
    assert "copy of the parameters to host memory" in " ".join(out.split())


@pytest.mark.parametrize(
    "module,says",
    [
        ("math", "is not an array-API namespace: it has no __array_api_version__"),
        ("no_such_module_here", "no module 'no_such_module_here' can be imported"),
    ],
)
def test_a_module_that_is_not_a_namespace_is_refused_in_one_line(module, says, capsys):
    code = main(["compare", "--backends", f"xp:{module}", "--sizes", "2000", "--budget", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_namespace_lacking_what_the_kernel_calls_is_refused_naming_it(monkeypatch):
    import types

    fake = types.ModuleType("half_namespace")
    fake.__array_api_version__ = "2023.12"
    fake.asarray = np.asarray
    monkeypatch.setitem(__import__("sys").modules, "half_namespace", fake)
    reason = backends.get("xp:half_namespace").unavailable_reason()
    assert reason is not None and "lacks sum, stack, sign, abs, matmul, float32" in reason


@needs_strict
def test_info_reads_the_namespace_devices_and_capabilities(capsys):
    assert main(["info", "--backends", STRICT]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "CPU_DEVICE" in out and "capabilities: boolean indexing yes" in out


def test_names_lists_the_namespaces_of_the_environment_variable(monkeypatch):
    monkeypatch.setenv(backends.NAMESPACES_VARIABLE, "array_api_strict, numpy")
    names = backends.names()
    assert names[-2:] == ["xp:array_api_strict", "xp:numpy"]
    assert isinstance(backends.get("xp:numpy"), NamespaceBackend)


def test_a_namespace_without_float64_refuses_it(monkeypatch):
    backend = backends.get("xp:numpy")
    monkeypatch.setattr(type(backend), "floating_dtypes", lambda self: ["float32"])
    with pytest.raises(backends.BackendUnavailable, match="has no float64"):
        backend.prepare("float64")
