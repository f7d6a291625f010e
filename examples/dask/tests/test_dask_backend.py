"""The dask backend, installed as a plugin: listed, compared on a local cluster and on a
scheduler started apart, agreeing with the reference; where its time goes; its cluster closed."""

import json
import os
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from descent_bench import backends
from descent_bench.backends import SCHEDULER_VARIABLE
from descent_bench.cli import main
from descent_bench.kernels import place
from descent_bench.timing.workloads import make_problem

pytestmark = pytest.mark.skipif(
    bool(backends.get("dask").unavailable_reason()), reason="dask is not usable here"
)
QUICK = ["--iterations", "20", "--min-rounds", "3", "--budget", "0"]


def test_info_lists_the_plugin(capsys):
    assert main(["info", "--json"]) == 0
    listed = {b["name"]: b for b in json.loads(capsys.readouterr().out)["backends"]}
    assert listed["dask"]["usable"] and "local cluster" in listed["dask"]["platform_reason"]


def compared(tmp_path, capsys, *extra):
    path = tmp_path / "r.json"
    argv = ["compare", "--backends", "numpy,dask", "--problems", "sine", "--sizes", "2000,2000000"]
    code = main([*argv, *QUICK, *extra, "--json", str(path)])
    out = " ".join(capsys.readouterr().out.split())
    return code, json.loads(path.read_text())["records"], out


def test_compare_on_a_local_cluster_agrees_and_says_where_the_time_goes(tmp_path, capsys):
    code, records, out = compared(tmp_path, capsys)
    assert code == 0
    assert {(r["backend"], r["size"]) for r in records} == {
        (b, s) for b in ("numpy", "dask") for s in (2000, 2000000)
    }
    assert all(r["agrees"] for r in records)
    for r in (r for r in records if r["backend"] == "dask"):
        assert r["overhead_seconds"] > 0 and r["overhead"].startswith("scheduling")
        assert "on a local cluster (1 worker, 1 thread)" in r["notes"]
    assert "dask, sine 2,000: scheduling (the same graph on one-element chunks)" in out


@pytest.fixture
def scheduler():
    """A dask scheduler and one worker, started apart from descent-bench."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    command = [sys.executable, "-m", "dask"]
    started = [
        subprocess.Popen(
            [*command, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            **quiet,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the scheduler did not start"
                time.sleep(0.3)
        started.append(
            subprocess.Popen(
                [*command, "worker", address, "--nthreads", "1", "--no-dashboard"], **quiet
            )
        )
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=30)


def test_compare_on_a_scheduler_started_apart_agrees(scheduler, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(SCHEDULER_VARIABLE, "")  # what --scheduler sets here goes afterwards
    code, records, _ = compared(tmp_path, capsys, "--scheduler", scheduler, "--processes", "1")
    assert code == 0 and all(r["agrees"] for r in records)
    said = {n for r in records if r["backend"] == "dask" for n in r["notes"]}
    assert f"on the scheduler at {scheduler} (1 worker)" in said


def test_the_graph_does_not_grow_with_the_iterations():
    backend = backends.load("dask")
    problem = make_problem("paraboloid", 2_500_000)
    phrased, data, params = place(problem, backend, "float64", problem.initial_params(seed=0))
    run = backend.compile_loop(phrased.step)
    after = [run(params, data, 0.001, k) for k in (1, 5)]
    assert params.numblocks == (3, 1)
    assert [len(a.__dask_graph__()) for a in after] == [3, 3]  # one task per chunk, held
    np.testing.assert_allclose(
        backend.to_numpy(after[1]), 0.998**5 * problem.initial_params(seed=0)
    )


def test_sigterm_closes_the_local_cluster_then_runs_the_handler_there_was(tmp_path):
    script = textwrap.dedent(
        """
        import os, signal, sys, time
        import numpy as np
        from descent_bench import backends
        from descent_bench_dask import cluster

        def before(signum, frame):
            print("closed before the old handler:", cluster._SESSION == [], flush=True)
            sys.exit(143)

        signal.signal(signal.SIGTERM, before)
        backends.load("dask").put(np.ones(10), "float64", axis=0)
        print("started", flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode == 143, done.stderr[-2000:]
    assert "started" in done.stdout and "closed before the old handler: True" in done.stdout
