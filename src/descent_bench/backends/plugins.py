"""Backends from outside this package: those installed packages register under the
``descent_bench.backends`` entry point group, e.g. in a package's pyproject.toml:

    [project.entry-points."descent_bench.backends"]
    dask = "descent_bench_dask:DaskBackend"

The entry points are read when the backends are first listed. A plugin's module is imported
then (it must import its array library lazily, as the built-in backends do, in ``_load``);
one that fails to import, is not a ``Backend`` subclass or takes a name already used is left
out of every list and kept with the one line that says why (``broken``): ``info`` prints it,
and naming it in ``--backends`` is that line and exit 2.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass

from descent_bench.backends.base import Backend
from descent_bench.backends.calls import one_line

ENTRY_POINTS = "descent_bench.backends"


@dataclass(frozen=True)
class Found:
    """The plugins that load, by name, and the broken ones with why."""

    classes: dict[str, type[Backend]]
    broken: dict[str, str]


def discover(taken: Iterable[str]) -> Found:
    """Every backend the installed packages register, beside the names already ``taken``."""
    taken = set(taken)
    classes: dict[str, type[Backend]] = {}
    broken: dict[str, str] = {}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINTS):
        where = f"plugin {entry.name!r} ({entry.value})"
        if entry.name in taken or entry.name in classes:
            broken[entry.name] = f"{where} left out: the name {entry.name!r} is taken"
            continue
        try:
            loaded = entry.load()
        except Exception as exc:  # a broken package must not stop the others
            broken[entry.name] = f"{where} failed to import: {one_line(exc)}"
            continue
        if not (isinstance(loaded, type) and issubclass(loaded, Backend)):
            broken[entry.name] = (
                f"{where} left out: it names {type(loaded).__name__} {loaded!r:.60}, "
                "not a descent_bench.backends.Backend subclass"
            )
            continue
        if loaded.name != entry.name:
            broken[entry.name] = (
                f"{where} left out: its class is named {loaded.name!r}, not {entry.name!r}"
            )
            continue
        classes[entry.name] = loaded
    return Found(classes, broken)
