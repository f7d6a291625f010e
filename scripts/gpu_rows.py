"""Rows written as they are measured: a step announces how many rows it plans, then appends
each row (a dict, with the figure it belongs to under ``kind``) to WORK/rows-STEP.jsonl the
moment it has it, flushed to disk. A step that reaches its limit is ended by gpu_run; what it
measured before is read back from here into summary.md and figures.json ("timed out after
N of M rows").

``GPU_CHECK_TIMEOUT=STEP`` makes that step stop making progress half-way through its rows
(it hangs, as a stuck kernel or compile would), so a rehearsal shows the bad day.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any


def path(work: Path, step: str) -> Path:
    return work / f"rows-{step}.jsonl"


class RowLog:
    """The rows of one step, on disk as they come."""

    def __init__(self, work: Path, step: str, planned: int) -> None:
        self.file = path(work, step)
        self.step = step
        self.planned = planned
        self.written = 0
        self.hang_at = planned // 2 if os.environ.get("GPU_CHECK_TIMEOUT") == step else None
        self._append({"planned": planned})

    def add(self, kind: str, row: dict[str, Any]) -> dict[str, Any]:
        """``row`` appended under ``kind`` (the figure it belongs to: a list of rows, or
        the figure itself where ``kind`` starts with "="); returns it."""
        if self.hang_at is not None and self.written >= self.hang_at:
            while True:  # GPU_CHECK_TIMEOUT: no further progress until the step is ended
                time.sleep(60)
        self._append({"kind": kind, "row": row})
        self.written += 1
        return row

    def failed(self, what: str, exc: Exception) -> str:
        """The problem line of ``what`` failing with ``exc``, written as a row; returns it."""
        return self.add("failed", {"problem": f"{what}: {type(exc).__name__}: {exc}"})["problem"]

    def _append(self, entry: dict[str, Any]) -> None:
        with self.file.open("a") as out:
            out.write(json.dumps(entry, default=str) + "\n")
            out.flush()
            os.fsync(out.fileno())


def read(work: Path, step: str) -> tuple[int | None, dict[str, list[dict[str, Any]]]]:
    """(rows planned, the rows written by figure) of a step; (None, {}) where it wrote
    none. A line cut short by the end of the step is left out."""
    planned: int | None = None
    figures: dict[str, list[dict[str, Any]]] = {}
    try:
        lines = path(work, step).read_text().splitlines()
    except OSError:
        return None, {}
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if "planned" in entry:
            planned = int(entry["planned"])
        else:
            figures.setdefault(entry["kind"], []).append(entry["row"])
    return planned, figures
