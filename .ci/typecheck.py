"""Type-check descent_bench with mypy, its folders laid out as the installed package.

The package maps repository folders into one namespace (pyproject's package-dir: harness/ is
descent_bench, kernels/ and backends/ its subpackages), which static checkers cannot follow.
This lays the package out as it installs, with symbolic links in a temporary folder, runs
mypy there with pyproject's settings, and prints each error under its repository path.

Run from anywhere: python .ci/typecheck.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Installed path -> repository folder (pyproject's package-dir); the longest prefix first.
LAYOUT = {
    "descent_bench/kernels": "kernels",
    "descent_bench/backends": "backends",
    "descent_bench": "harness",
    "benchmarks": "benchmarks",
}


def lay_out(tree: Path) -> None:
    package = tree / "descent_bench"
    package.mkdir()
    for entry in (ROOT / "harness").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for installed, folder in LAYOUT.items():
        if installed != "descent_bench":
            (tree / installed).symlink_to(ROOT / folder)


def repository_path(line: str) -> str:
    """mypy's line with the installed path replaced by the repository's."""
    for installed, folder in LAYOUT.items():
        if line.startswith(installed + "/"):
            return folder + line[len(installed) :]
    return line


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        lay_out(tree)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "mypy",
                "--config-file",
                str(ROOT / "pyproject.toml"),
                "--cache-dir",
                str(ROOT / ".mypy_cache"),
                "-p",
                "descent_bench",
                "-p",
                "benchmarks",
            ],
            cwd=tree,
            env={**os.environ, "MYPYPATH": str(tree)},
            capture_output=True,
            text=True,
            check=False,
        )
        for line in (proc.stdout + proc.stderr).splitlines():
            print(repository_path(line))
        return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
