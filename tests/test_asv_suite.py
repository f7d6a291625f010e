"""The asv suite imports and discovers in the current environment (``asv check``)."""

import importlib.util
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parents[1]


@pytest.mark.skipif(importlib.util.find_spec("asv") is None, reason="asv is not installed")
def test_asv_check_finds_no_problems():
    proc = subprocess.run(
        [sys.executable, "-m", "asv", "check", "--python=same"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No problems found" in proc.stdout


def test_benchmarks_import_nothing_asv_environments_lack():
    source = "\n".join(p.read_text() for p in (ROOT / "benchmarks").glob("*.py"))
    assert "pytest" not in source
