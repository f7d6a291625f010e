"""A failed pytest-benchmark comparison ends with one failure line and exit status 1."""

import shutil
import subprocess
import sys

ROOT = __import__("pathlib").Path(__file__).parents[1]
SLEEPER = """
import os, time

def test_sleep(benchmark):
    benchmark.pedantic(time.sleep, args=(float(os.environ["SLEEP"]),), rounds=3, iterations=1)
"""


def run_pytest(folder, sleep, *options):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--benchmark-storage",
            str(folder / "saved"),
            *options,
            "test_sleep.py",
        ],
        cwd=folder,
        env={"SLEEP": str(sleep), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_slower_run_fails_with_one_line_and_no_traceback(tmp_path):
    shutil.copy(ROOT / "tests" / "perf" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_sleep.py").write_text(SLEEPER)
    saved = run_pytest(tmp_path, 0.001, "--benchmark-autosave")
    assert saved.returncode == 0, saved.stdout + saved.stderr

    slower = run_pytest(tmp_path, 0.05, "--benchmark-compare", "--benchmark-compare-fail=min:50%")
    output = slower.stdout + slower.stderr
    assert slower.returncode == 1, output
    assert "FAILED benchmark comparison" in output
    assert "INTERNALERROR" not in output and "Traceback" not in output
