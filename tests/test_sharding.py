"""The jax backend split over several devices (4 simulated CPU devices, set in conftest)."""

import json
import re
import socket
import subprocess
import sys

import numpy as np
import pytest

import reference as ref
from availability import require
from descent_bench import backends, kernels
from descent_bench.cli import main

ITERATIONS = 200
SHARDED_FIT = "fit sine --backend jax --devices 4 --points 4003 --json".split()


def sharded(n):
    return require("jax", devices=n)


@pytest.mark.parametrize("devices", [2, 3, 4])
@pytest.mark.parametrize("points", [7, 4000, 4003])
def test_sharded_sine_fit_equals_numpy_reference(devices, points):
    problem = kernels.SineFit(points=points)
    start = problem.initial_params(seed=8)
    lr = 1e-6 * 2000 / max(points, 2000)
    x, y = ref.sine_data(points)
    want = ref.sine_descent(x, y, start, lr, ITERATIONS)

    got = kernels.descend(problem, sharded(devices), iterations=ITERATIONS, lr=lr, initial=start)

    scale = max(np.linalg.norm(want), np.linalg.norm(start))
    tolerance = ref.descent_tolerance("float64", ITERATIONS, problem.n_params)
    assert ref.relative_error(got.params, want, scale) <= tolerance


@pytest.mark.parametrize("devices", [2, 4])
@pytest.mark.parametrize("walkers", [3, 7, 4001])
def test_sharded_paraboloid_equals_numpy_reference(devices, walkers):
    problem = kernels.Paraboloid(dims=2, walkers=walkers)
    start = problem.initial_params(seed=9)
    want = ref.paraboloid_descent(start, 0.001, ITERATIONS)

    got = kernels.descend(problem, sharded(devices), iterations=ITERATIONS, initial=start)

    assert got.params.shape == (walkers, 2)
    np.testing.assert_allclose(got.params, want, rtol=1e-14)


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_sharded_losses_ignore_the_padding(loss):
    problem = kernels.SineFit(points=4003, loss_name=loss)
    start = problem.initial_params(seed=10)
    single = kernels.descend(problem, backends.load("numpy"), iterations=50, lr=1e-3, initial=start)
    split = kernels.descend(problem, sharded(4), iterations=50, lr=1e-3, initial=start)
    np.testing.assert_allclose(split.history[-1][1], single.history[-1][1], rtol=1e-12)


def compiled_loop_text(problem, backend):
    problem, data, params = kernels.place(
        problem, backend, "float64", problem.initial_params(seed=0)
    )
    return backend.program(problem.step).lower(params, data, 1e-6, k=10).compile().as_text()


def test_sine_program_has_one_small_all_reduce_and_no_gather():
    text = compiled_loop_text(kernels.SineFit(points=4003), sharded(4))
    # XLA:CPU writes one all-reduce; XLA:GPU splits it into all-reduce-start/-done.
    all_reduces = [line for line in text.splitlines() if re.search(r" all-reduce(-start)?\(", line)]
    assert len(all_reduces) == 1  # inside the while body: the program's only loop
    assert re.search(r"f64\[4\]", all_reduces[0])  # d + 1 numbers, never the points
    assert not re.search(r"all-gather|all-to-all|collective-permute", text)


def test_paraboloid_program_needs_no_collective():
    text = compiled_loop_text(kernels.Paraboloid(walkers=4001), sharded(4))
    assert not re.search(r"all-reduce|all-gather|all-to-all|collective-permute", text)


def test_points_stay_split_over_the_devices():
    backend = sharded(4)
    problem = kernels.SineFit(points=4003)
    _, data, params = kernels.place(problem, backend, "float64", problem.initial_params())
    powers, y = data
    assert {s.data.shape for s in y.addressable_shards} == {(1001,)}
    assert {s.data.shape for s in powers.addressable_shards} == {(4, 1001)}
    assert params.sharding.is_fully_replicated


def test_fit_json_records_devices_and_processes(capsys):
    sharded(4)
    code = main([*SHARDED_FIT, "--iterations", "100"])
    record = json.loads(capsys.readouterr().out)
    assert (code, record["devices"], record["processes"]) == (0, 4, 1)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_processes_give_the_single_device_answer(tmp_path):
    """Two local processes with 2 CPU devices each, joined by jax.distributed."""
    sharded(1)
    port = free_port()
    argv = [
        "-m",
        "descent_bench.cli",
        *SHARDED_FIT,
        "--iterations",
        "300",
        "--coordinator",
        f"127.0.0.1:{port}",
        "--num-processes",
        "2",
    ]
    # Two CPU devices per process, also on a machine with GPUs (where the CPU device count
    # alone would not apply and both processes would take the same GPU).
    env = {**__import__("os").environ, "JAX_NUM_CPU_DEVICES": "2", "JAX_PLATFORMS": "cpu"}
    procs = [
        subprocess.Popen(
            [sys.executable, *argv, "--process-id", str(i)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outputs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs[0][1][-2000:]
    record = json.loads(next(line for line in outputs[0][0].splitlines() if line[:1] == "{"))
    assert (record["devices"], record["processes"]) == (4, 2)
    assert not outputs[1][0].strip().startswith("{")  # only process 0 reports

    problem = kernels.SineFit(points=4003)
    x, y = ref.sine_data(4003)
    want = ref.sine_descent(x, y, problem.initial_params(seed=0), 1e-6, 300)
    np.testing.assert_allclose(record["params"], want, rtol=1e-12)


BAD = {
    "numpy-devices": ["fit", "sine", "--devices", "2"],
    "too-many-devices": ["fit", "sine", "--backend", "jax", "--devices", "64"],
    "partial-multihost": ["fit", "sine", "--backend", "jax", "--coordinator", "h:1"],
    "process-id-too-big": [
        "fit",
        "sine",
        "--coordinator",
        "h:1",
        "--num-processes",
        "2",
        "--process-id",
        "2",
    ],
    "compare-devices-without-jax": ["compare", "--backends", "numpy", "--devices", "1,2"],
    "coordinator-without-port": ["fit", "sine", "--coordinator", "notahost"],
    "compare-process-id-alone": ["compare", "--process-id", "0", "--backends", "numpy"],
    "coordinator-port-out-of-range": ["fit", "sine", "--coordinator", "host:99999"],
    "unresolvable-coordinator-for-process-0": [
        "fit",
        "sine",
        "--backend",
        "jax",
        "--coordinator",
        "no-such-host.invalid:1234",
        "--num-processes",
        "1",
        "--process-id",
        "0",
    ],
    "unresolvable-coordinator": [
        "fit",
        "sine",
        "--backend",
        "jax",
        "--coordinator",
        "no-such-host.invalid:1234",
        "--num-processes",
        "2",
        "--process-id",
        "1",
    ],
}


@pytest.mark.parametrize("argv", BAD.values(), ids=BAD.keys())
def test_bad_device_options_are_one_line_and_exit_2(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, out, len(err.splitlines()), "Traceback" in err) == (2, "", 1, False)


def test_a_coordinator_that_never_answers_is_one_line_after_the_timeout(capsys):
    argv = ["fit", "sine", "--backend", "jax", "--num-processes", "2", "--process-id", "1"]
    code = main([*argv, "--coordinator", f"127.0.0.1:{free_port()}", "--connect-timeout", "1"])
    out, err = capsys.readouterr()
    assert (code, out, len(err.splitlines())) == (2, "", 1)
    assert "did not answer within 1 s" in err
