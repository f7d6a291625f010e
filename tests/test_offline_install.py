"""The offline install for a GPU node, rehearsed: a stand-in node (a virtual environment with
numpy and the node's other packages, and torch, jax and CuPy standing in as metadata only),
the wheels it lacks downloaded as scripts/offline-wheels.sh does, installed by
scripts/offline-install.sh with no index reachable; the node's packages must be exactly
as before, and descent-bench must run from the carried folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
# The node's own packages that descent-bench and asv use (docs/gpu.md), at this environment's
# versions so that pip's cache serves them.
NODE_PACKAGES = (
    "rich",
    "threadpoolctl",
    "setuptools",
    "packaging",
    "pyyaml",
    "tabulate",
    "build",
    "pyproject_hooks",
    "filelock",
    "zipp",
)
STAND_INS = {"torch": "2.11.0", "jax": "0.11.2", "jaxlib": "0.11.2", "cupy-cuda13x": "14.2.0"}

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def run(argv, env=None, timeout=600):
    return subprocess.run(
        argv,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def pinned(name: str) -> str:
    import importlib.metadata

    return f"{name}=={importlib.metadata.version(name)}"


def stand_in_node(path: Path) -> Path:
    """A virtual environment standing in for the node; its python."""
    created = run([sys.executable, "-m", "venv", str(path)])
    if created.returncode != 0:
        pytest.skip(f"no virtual environment here: {created.stderr.strip()[-200:]}")
    python = path / "bin" / "python"
    wanted = [f"numpy=={np.__version__}", *(pinned(p) for p in NODE_PACKAGES)]
    got = run([str(python), "-m", "pip", "install", "--quiet", *wanted])
    if got.returncode != 0:
        pytest.skip(f"the stand-in node's packages cannot be installed: {got.stderr[-300:]}")
    site = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    for name, version in STAND_INS.items():  # metadata only: what pip freeze and the check read
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "RECORD").write_text("")
    return python


def test_the_offline_install_adds_only_what_the_node_lacks(tmp_path):
    python = stand_in_node(tmp_path / "node")
    freeze = [str(python), "-m", "pip", "freeze", "--all"]
    before = run(freeze).stdout
    offline = tmp_path / "offline"
    node_python = f"{sys.version_info.major}.{sys.version_info.minor}"
    fetched = run(
        ["bash", "scripts/offline-wheels.sh"],
        env={"OFFLINE_DIR": str(offline), "NODE_PYTHON": node_python, "PYTHON": sys.executable},
    )
    if fetched.returncode != 0:
        pytest.skip(f"no package index reachable to fetch the wheels: {fetched.stderr[-300:]}")
    wheels = list((offline / "wheels").glob("*.whl"))
    assert len(wheels) == 11 and sum(w.stat().st_size for w in wheels) < 12 * 2**20
    assert not any(w.name.startswith(("numpy", "torch", "jax", "cupy")) for w in wheels)

    installed = run(
        ["bash", "scripts/offline-install.sh"],
        env={"OFFLINE_DIR": str(offline), "PYTHON": str(python), "PIP_NO_INDEX": "1"},
    )
    assert installed.returncode == 0, installed.stderr
    assert "numpy " + np.__version__ in installed.stdout and "torch 2.11.0" in installed.stdout
    assert run(freeze).stdout == before  # not one of the node's packages touched

    env = {"PYTHONPATH": str(offline / "site"), "VIRTUAL_ENV": str(tmp_path / "node")}
    info = run([str(python), "-m", "descent_bench.cli", "info"], env=env)
    assert info.returncode == 0, info.stderr
    small = ["compare", "--backends", "numpy", "--problems", "sine", "--sizes", "200"]
    small += ["--iterations", "20", "--budget", "0", "--processes", "1"]
    compared = run([str(python), "-m", "descent_bench.cli", *small], env=env)
    assert compared.returncode == 0, compared.stderr
    assert "sine: 1 of 1 rows within its tolerance of the exact answer" in compared.stdout
    asv = run([str(python), "-m", "asv", "--version"], env=env)
    assert asv.returncode == 0 and "asv" in asv.stdout.lower() + asv.stderr.lower()


def test_no_wheels_is_one_line_and_exit_2(tmp_path):
    got = run(["bash", "scripts/offline-install.sh"], env={"OFFLINE_DIR": str(tmp_path / "none")})
    assert got.returncode == 2 and len(got.stderr.splitlines()) == 1
    assert "offline-wheels.sh" in got.stderr
