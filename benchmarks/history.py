"""The asv history as PNG pictures, viewable offline (``asv publish``'s pages load their
JavaScript from CDNs).

    python benchmarks/history.py results/asv/MACHINE [OUT_FOLDER]

draws one PNG per timed benchmark: each row (backend, size, ...; and asv environment, where
the results hold several) a line of its median time over the commits saved for MACHINE, in
commit-date order, with asv's 99% interval as a band. Nothing here runs under asv: the
module holds no benchmarks and imports matplotlib only when drawing.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

Series = dict[str, list[tuple[int, str, float, float, float]]]


def saved_runs(machine_dir: Path) -> list[dict[str, Any]]:
    """Every saved result file of the machine (not ``machine.json``), oldest commit first."""
    runs = [
        json.loads(p.read_text())
        for p in sorted(machine_dir.glob("*.json"))
        if p.name != "machine.json"
    ]
    return sorted(runs, key=lambda run: run.get("date") or 0)


def row_labels(params: list[list[str]]) -> list[str]:
    """One label per parameter combination, in asv's (itertools.product) order."""
    if not params:
        return [""]
    return [", ".join(str(v).strip("'") for v in combo) for combo in itertools.product(*params)]


def series(runs: list[dict[str, Any]]) -> dict[str, Series]:
    """benchmark -> row label -> [(commit date, short hash, median, low, high)]."""
    found: dict[str, Series] = defaultdict(lambda: defaultdict(list))
    several_environments = len({run.get("env_name") for run in runs}) > 1
    for run in runs:
        columns = run["result_columns"]
        where = f" [{run.get('env_name')}]" if several_environments else ""
        for name, values in run["results"].items():
            if ".time_" not in name:
                continue
            entry = dict(zip(columns, values, strict=False))
            medians = entry.get("result") or []
            low = entry.get("stats_ci_99_a") or [math.nan] * len(medians)
            high = entry.get("stats_ci_99_b") or [math.nan] * len(medians)
            labels = row_labels(entry.get("params") or [])
            for label, median, lo, hi in zip(labels, medians, low, high, strict=False):
                if median is not None and not math.isnan(median):
                    found[name][label + where].append(
                        (run["date"], run["commit_hash"][:8], median, lo or median, hi or median)
                    )
    return found


def draw(machine_dir: Path, out: Path) -> list[Path]:
    """The PNGs of every timed benchmark with results; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in sorted(series(saved_runs(machine_dir)).items()):
        figure, axes = plt.subplots(figsize=(10, 5))
        commits: dict[int, str] = {}
        for label, points in sorted(rows.items()):
            dates, hashes, medians, low, high = zip(*sorted(points), strict=True)
            commits.update(zip(dates, hashes, strict=True))
            axes.plot(dates, medians, marker="o", label=label)
            axes.fill_between(dates, low, high, alpha=0.2)
        order = sorted(commits)
        axes.set_xticks(order, [commits[d] for d in order], rotation=60, fontsize=7)
        axes.set_yscale("log")
        axes.set_ylabel("seconds (lower is better)")
        axes.set_title(name)
        axes.legend(fontsize=6, ncol=2)
        figure.tight_layout()
        path = out / f"{name}.png"
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) not in {2, 3}:
        sys.exit(__doc__)
    machine = Path(sys.argv[1])
    for png in draw(machine, Path(sys.argv[2]) if len(sys.argv) == 3 else machine / "plots"):
        print(png)
