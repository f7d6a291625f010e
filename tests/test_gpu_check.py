"""The parts of scripts/gpu-check.sh that a CPU can check: it refuses a machine whose GPU
paths are not on a GPU, names the results folder after the GPU model, finds disagreements,
timing that depends on K and a ceiling out of line with a copy kernel, knows the card's
nominal peak, refuses asv runs whose matrix is not set, and its rehearsal on the CPU runs
every step whatever failed before it."""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
_spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "scripts" / "gpu_check.py")
gpu_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gpu_check)
gpu_steps = sys.modules["gpu_steps"]  # imported by gpu_check from scripts/
gpu_judgments = sys.modules["gpu_judgments"]


def status(name, usable=True, platform="gpu", accelerators=(), warnings=(), reason=None):
    return {
        "name": name,
        "usable": usable,
        "reason": reason,
        "platform": platform if usable else None,
        "platform_reason": "why",
        "accelerators": list(accelerators),
        "warnings": list(warnings),
    }


H100 = "cuda:0 NVIDIA H100 80GB HBM3"
READY = {"backends": [status("jax", accelerators=[H100]), status("cupy", accelerators=[H100])]}


def test_a_ready_machine_passes_the_preflight():
    assert gpu_check.preflight_problems(READY, "Driver Version : 570.86.15") == []


@pytest.mark.parametrize(("status", "want"), [(0, []), (3, ["descent-bench info --json exited 3"])])
def test_the_info_step_fails_by_its_exit_status_not_by_log_lines(
    tmp_path, monkeypatch, status, want
):
    # XLA prints lines like these on a healthy GPU: kept in info.stderr, not judged
    noise = "W0000 external/xla: warning: TF32 in use; E0000 an error-free log line"
    script = (
        f"import json, sys; print(json.dumps({READY!r})); "
        f"print({noise!r}, file=sys.stderr); sys.exit({status})"
    )
    monkeypatch.setattr(gpu_check, "cli", lambda *args: [sys.executable, "-c", script])
    (tmp_path / "nvidia-smi.txt").write_text("Driver Version : 570")
    figures, problems = gpu_check.step_info(tmp_path, rehearse=False)
    assert problems == want
    assert noise in (tmp_path / "info.stderr").read_text()
    if status == 0:
        assert figures["gpu"] == "nvidia-h100-80gb-hbm3"


@pytest.mark.parametrize(
    ("info", "want"),
    [
        ({"backends": [status("jax", platform="cpu"), READY["backends"][1]]}, "not on a GPU"),
        (
            {"backends": [READY["backends"][0], status("cupy", usable=False, reason="x")]},
            "cupy is unusable",
        ),
        (
            {"backends": [status("jax", warnings=["plugin failed"]), READY["backends"][1]]},
            "plugin failed",
        ),
    ],
    ids=["jax-on-cpu", "cupy-unusable", "plugin-warning"],
)
def test_the_preflight_refuses(info, want):
    problems = gpu_check.preflight_problems(info, "Driver Version : 570")
    assert len(problems) == 1 and want in problems[0]


def test_the_results_folder_is_named_after_the_gpu_model():
    assert gpu_check.gpu_name(READY) == "nvidia-h100-80gb-hbm3"


def test_no_gpu_model_no_folder_name():
    with pytest.raises(SystemExit, match="no usable backend names a GPU model"):
        gpu_check.gpu_name({"backends": [status("jax", platform="cpu", accelerators=[])]})


def test_disagreeing_rows_are_named():
    rows = [
        {"backend": "jax", "problem": "sine", "size": 2000, "dtype": "float32", "agrees": True},
        {
            "backend": "cupy",
            "problem": "sine",
            "size": 10**7,
            "dtype": "float32",
            "agrees": False,
            "max_rel_diff": 3e-3,
        },
    ]
    assert gpu_check.disagreements(rows) == [
        "cupy sine N=10000000 float32: max rel diff 0.003 outside the bound"
    ]


@pytest.mark.parametrize(
    ("per_k", "honest"),
    [({10: 1.3, 100: 1.05, 1000: 1.0}, True), ({10: 9.0, 100: 9.1, 1000: 3.0}, False)],
    ids=["constant", "depends-on-k"],
)
def test_timing_that_depends_on_k_is_found(per_k, honest):
    assert (gpu_check.k_problems("jax", per_k) == []) == honest


@pytest.mark.parametrize(
    ("device", "host", "honest"), [(1.0, 1.05, True), (1.0, 2.0, False), (0.0, 1.0, False)]
)
def test_the_two_clocks_must_agree(device, host, honest):
    assert (gpu_check.clock_problems("cupy", device, host) == []) == honest


@pytest.mark.parametrize(("ceiling", "honest"), [(3000.0, True), (900.0, False), (9000.0, False)])
def test_the_ceiling_is_held_against_a_copy_kernel(ceiling, honest):
    assert (gpu_judgments.ceiling_problems(ceiling, 3000.0, "gpu") == []) == honest


def test_timing_writes_each_k_and_both_clocks():
    row = gpu_steps.time_backend("numpy", 2000)
    assert sorted(int(k) for k in row["us_per_iteration"]) == [10, 100, 1000]
    # NumPy has no event clock of its own: host time only, and nothing to compare
    assert row["device_seconds"] is None and row["host_seconds"] > 0
    assert gpu_check.clock_problems("numpy", None, row["host_seconds"]) == []


@pytest.mark.parametrize(
    ("device", "model"),
    [("cuda:0 NVIDIA H200", "NVIDIA H200"), ("cuda:0", ""), ("gpu:1", ""), ("TPU v4", "TPU v4")],
    ids=["cupy-or-torch", "jax", "bare-gpu", "no-prefix"],
)
def test_the_model_is_read_from_the_device_kind_never_split_blindly(device, model):
    assert gpu_judgments.device_model(device) == model


def test_jax_first_with_a_bare_cuda_device_does_not_stop_the_naming():
    info = {"backends": [status("jax", accelerators=["cuda:0"]), READY["backends"][1]]}
    assert gpu_check.gpu_name(info) == "nvidia-h100-80gb-hbm3"
    # the nominal peak looks the card up by the same model, not by jax's bare 'cuda:0'
    assert gpu_judgments.gpu_model(info) == "NVIDIA H100 80GB HBM3"
    assert gpu_steps.nominal_peak(None, gpu_judgments.gpu_model(info)) is not None
    assert gpu_steps.nominal_peak(None, "cuda:0") is None


def test_a_fused_row_is_set_beside_its_standard_only_row_at_each_size():
    from descent_bench.timing.rows import Row

    rows = [
        Row("cupy", "cupy", "own", "sine", 1),
        Row("cupy-standard", "cupy", "standard", "sine", 1),
    ]
    rows.append(Row("torch:cuda", "torch:cuda", "own", "sine", 1))
    pairs = gpu_steps.standard_pairs(rows)
    assert pairs == {"cupy-standard": "cupy"}
    measured = [("cupy", "float32", 10**6, 20.0), ("cupy-standard", "float32", 10**6, 50.0)]
    measured += [("cupy-standard", "float64", 10**6, 9.0), ("torch:cuda", "float32", 10**6, 1.0)]
    (gain,) = gpu_steps.fused_gains(measured, pairs)
    assert (gain["row"], gain["standard_row"], gain["size"]) == ("cupy", "cupy-standard", 10**6)
    assert gain["speedup"] == pytest.approx(2.5)


class FakeNvml:
    NVML_CLOCK_MEM = 2

    def nvmlInit(self):
        pass

    def nvmlShutdown(self):
        pass

    def nvmlDeviceGetHandleByIndex(self, i):
        return i

    def nvmlDeviceGetMaxClockInfo(self, h, kind):
        return 2619

    def nvmlDeviceGetMemoryBusWidth(self, h):
        return 5120


@pytest.mark.parametrize(
    ("nvml", "name", "want", "source"),
    [
        (FakeNvml(), None, 3352.3, "NVML"),
        (None, "NVIDIA H200", 4800.0, "table of known cards: H200"),
        (None, "NVIDIA H100 PCIe", 2000.0, "table of known cards: H100 PCIe"),
    ],
    ids=["nvml", "table-h200", "table-longest-match"],
)
def test_the_nominal_peak_names_its_source(nvml, name, want, source):
    gbps, said = gpu_steps.nominal_peak(nvml, name)
    assert gbps == pytest.approx(want, rel=1e-3) and said.startswith(source)


def test_an_unknown_card_has_no_nominal_peak():
    assert gpu_steps.nominal_peak(None, "Some Future GPU") is None


def test_asv_matrix_variables_are_exported_and_a_missing_one_refused():
    wanted = gpu_check.asv_env(str(ROOT / "asv.cuda.conf.json"))
    assert wanted["DESCENT_BENCH_PLATFORM"] == "gpu"
    assert gpu_check.asv_guard_problems(str(ROOT / "asv.cuda.conf.json"), wanted) == []
    cpu_rows = {**wanted, "DESCENT_BENCH_PLATFORM": "cpu"}
    (problem,) = gpu_check.asv_guard_problems(str(ROOT / "asv.cuda.conf.json"), cpu_rows)
    assert "DESCENT_BENCH_PLATFORM='cpu'" in problem


def script(*args, env=None):
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "gpu-check.sh"), *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "env", "want"),
    [
        ([], None, "usage"),
        (["--bogus", "x"], None, "usage"),
        (["--rehearse", "OUT"], {"GPU_CHECK_FAIL": "nonsense"}, "is no step"),
        (["--rehearse", "OUT"], {"GPU_CHECK_TIMEOUT": "machine"}, "is no step"),
    ],
    ids=["no-outdir", "unknown-flag", "unknown-step", "timeout-of-a-step-without-rows"],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, env, want):
    proc = script(*[str(tmp_path / a) if a == "OUT" else a for a in args], env=env)
    assert (proc.returncode, len(proc.stderr.splitlines())) == (2, 1) and want in proc.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_rehearsal_runs_every_step_past_a_failed_one(tmp_path):
    """The whole script on the CPU with its stand-ins, one step made to fail: the later
    steps still run, the summary and the exit status name the failed one, at most 8 files
    of under 16 MB come back, and a rehearsal is never saved as a GPU's results."""
    pytest.importorskip("jax", reason="jax is not installed")
    out = tmp_path / "out"
    proc = script("--rehearse", str(out), env={"GPU_CHECK_FAIL": "agreement"})
    assert proc.returncode == 1, proc.stderr
    assert "failed: agreement" in proc.stderr.splitlines()[-1]
    files = list(out.iterdir())
    assert len(files) <= 8 and all(f.is_file() and f.stat().st_size < 16 * 2**20 for f in files)
    summary = (out / "summary.md").read_text()
    assert "Failed: agreement." in summary and "GPU_CHECK_FAIL=agreement" in summary
    steps = json.loads((out / "figures.json").read_text())["steps"]
    assert steps["agreement"]["outcome"] == "fail"
    later = ["timing", "compare", "ceiling", "tests", "asv", "after"]
    assert {name: steps[name]["outcome"] for name in later} == dict.fromkeys(later, "pass")
    assert "stand-in" in summary and "for torch:cuda" in summary
    # the fused CuPy kernel's grid, one wave of the device, timed beside the fixed grid
    grid = steps["ceiling"]["figures"]["grid"]
    assert {g["dtype"] for g in grid} == {"float32", "float64"}
    assert all(g["fixed_us_per_iteration"] > 0 for g in grid)
    assert "The fused CuPy kernel's grid" in summary
    results_before = sorted((ROOT / "results").iterdir())
    saved = script("--save", str(out))
    assert saved.returncode == 2 and "rehearsal" in saved.stderr
    assert sorted((ROOT / "results").iterdir()) == results_before


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_rehearsal_of_a_step_that_times_out_keeps_the_rows_it_measured(tmp_path):
    """The bad day: the agreement step hangs half-way through its rows. It is ended at its
    limit, named as timed out after N of M rows, its N rows are in figures.json and
    summary.md, the later steps run, and the run exits 1."""
    pytest.importorskip("jax", reason="jax is not installed")
    out = tmp_path / "out"
    proc = script("--rehearse", str(out), env={"GPU_CHECK_TIMEOUT": "agreement"})
    assert proc.returncode == 1, proc.stderr
    assert "failed: agreement" in proc.stderr.splitlines()[-1]
    steps = json.loads((out / "figures.json").read_text())["steps"]
    agreement = steps["agreement"]
    (problem,) = [p for p in agreement["problems"] if "timed out" in p]
    found = re.search(r"after (\d+) of (\d+) rows", problem)
    assert found, problem
    done, planned = int(found[1]), int(found[2])
    assert done == planned // 2 > 0
    records = agreement["figures"]["records"]
    assert len(records) == done and all(r["agrees"] for r in records)
    summary = (out / "summary.md").read_text()
    assert problem in summary
    assert all(f"| {r['row']}" in summary for r in records)
    later = ["timing", "compare", "ceiling", "tests", "asv", "after"]
    assert {name: steps[name]["outcome"] for name in later} == dict.fromkeys(later, "pass")


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_the_script_is_shellcheck_clean():
    proc = subprocess.run(
        ["shellcheck", str(ROOT / "scripts" / "gpu-check.sh")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout


def test_torch_on_cuda_says_its_tensors_are_on_the_gpu(monkeypatch):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    from descent_bench.backends.torch import TorchCudaBackend

    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    text = TorchCudaBackend().platform_reason()
    assert text == "torch on CUDA: its tensors are on device cuda:0" and "host" not in text


_run_spec = importlib.util.spec_from_file_location("gpu_run", ROOT / "scripts" / "gpu_run.py")
gpu_run = importlib.util.module_from_spec(_run_spec)
sys.modules["gpu_run"] = gpu_run  # its dataclasses look their module up
_run_spec.loader.exec_module(gpu_run)
gpu_process = sys.modules["gpu_process"]  # imported by gpu_run from scripts/


def test_a_step_at_its_limit_ends_with_everything_it_started(tmp_path):
    """A step whose command started a child (a compare worker, pytest's processes): at the
    limit the whole group gets SIGTERM, then SIGKILL; nothing is left on the machine."""
    pids = tmp_path / "pids"
    script = (
        "import os, subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(pids)!r}, 'w').write(str(child.pid)); time.sleep(60)"
    )
    with (tmp_path / "log").open("w") as out, pytest.raises(subprocess.TimeoutExpired):
        gpu_process.run_in_group([sys.executable, "-c", script], dict(os.environ), out, 2.0)
    child = int(pids.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the step's child {child} outlived its step")


def test_a_finished_step_gives_its_exit_status(tmp_path):
    with (tmp_path / "log").open("w") as out:
        code = gpu_process.run_in_group([sys.executable, "-c", "exit(3)"], {}, out, 30.0)
    assert code == 3


def test_asv_saves_under_the_checked_out_commit_or_is_skipped_without_one(monkeypatch, tmp_path):
    step = next(s for s in gpu_run.steps() if s.name == "asv")
    monkeypatch.setattr(gpu_run, "head_commit", lambda: "a" * 40)
    *_, run = gpu_run.commands(step, tmp_path, rehearse=False)
    assert run[1:4] == ["-m", "asv", "run"] and f"--set-commit-hash={'a' * 40}" in run
    monkeypatch.setattr(gpu_run, "head_commit", lambda: None)
    (skip,) = gpu_run.commands(step, tmp_path, rehearse=False)
    assert "asv skipped: this copy has no git metadata" in skip[-1]
    monkeypatch.setattr(gpu_process, "ROOT", tmp_path)  # a copy without .git
    assert gpu_process.head_commit() is None


def test_a_cut_short_steps_rows_become_its_figures(tmp_path):
    """What a step wrote before its end, read back as the figures its summary shows."""
    rows = sys.modules["gpu_rows"]
    log = rows.RowLog(tmp_path, "ceiling", 5)
    log.add("copies", {"backend": "cupy", "gbytes_per_second": 4000.0})
    log.add("large", {"row": "cupy", "dtype": "float32"})
    log.add("failed", {"problem": "jax float32: RuntimeError: out of memory"})
    compare = rows.RowLog(tmp_path, "compare", 2)
    compare.add("=float32", {"ceiling": {"gpu": 1.0}, "us_per_iteration_at_2000": {}})
    with rows.path(tmp_path, "ceiling").open("a") as out:
        out.write('{"kind": "large", "row": {"row": "cut sh')  # the last line, cut short
    planned, written = rows.read(tmp_path, "ceiling")
    assert planned == 5 and sum(len(v) for v in written.values()) == 3
    figures = gpu_run.partial_figures(written)
    assert figures["copy_gbytes_per_second"] == {"cupy": 4000.0}
    assert figures["large"] == [{"row": "cupy", "dtype": "float32"}]
    assert "failed" not in figures
    _, written = rows.read(tmp_path, "compare")
    assert gpu_run.partial_figures(written) == {
        "float32": {"ceiling": {"gpu": 1.0}, "us_per_iteration_at_2000": {}}
    }
    step = gpu_run.Step("ceiling", "", 100)
    assert (
        gpu_run.timed_out(step, tmp_path, 100)
        == "timed out after 3 of 5 rows at its limit of 100 s"
    )
