"""How gpu_run runs a step's commands: each in a session of its own, ended as a whole at its
limit (SIGTERM to the group, a grace period, then SIGKILL), so nothing a timed-out step
started (a ``compare`` worker, pytest's processes) keeps the GPU busy during the next; and
the commit asv saves its results under."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GRACE_SECONDS = 5.0  # after SIGTERM at a step's limit, before SIGKILL


def run_in_group(argv: list[str], env: dict[str, str], out: Any, timeout: float) -> int:
    """``argv`` in a session of its own; at ``timeout``, SIGTERM to the whole group (the
    step's children too: a ``compare`` worker, pytest's processes), ``GRACE_SECONDS`` for
    what finished to be written, then SIGKILL; ``subprocess.TimeoutExpired`` after."""
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        for sig, wait in ((signal.SIGTERM, GRACE_SECONDS), (signal.SIGKILL, None)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:  # the group is gone
                break
            try:
                proc.wait(timeout=wait)
                if not group_alive(proc.pid):
                    break
            except subprocess.TimeoutExpired:
                continue
        proc.wait()
        raise


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def head_commit() -> str | None:
    """The checked-out commit, or None where the copy has no git metadata."""
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    commit = proc.stdout.strip()
    return commit if proc.returncode == 0 and len(commit) == 40 else None
