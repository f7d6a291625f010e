"""The registry of problems: the built-in ones, then those other installed packages register
under the ``descent_bench.problems`` entry point group, e.g. in a package's pyproject.toml:

    [project.entry-points."descent_bench.problems"]
    ridge = "descent_bench_ridge:Ridge"

A registered problem runs through ``fit``, ``compare``, ``diff`` and the asv suite with no
change to descent-bench. One that cannot be loaded, or whose name is taken, is left out
with a warning naming it, and everything else runs. The entry points are read when the
registry is first used, not when it is imported: a package that defines a problem imports
descent-bench, and is imported by the registry in turn.
"""

from __future__ import annotations

import importlib.metadata
import warnings
from collections.abc import Iterator, MutableMapping

from descent_bench.kernels.paraboloid import Paraboloid
from descent_bench.kernels.problem import Problem
from descent_bench.kernels.sine import SineFit

ENTRY_POINTS = "descent_bench.problems"
BUILT_IN: tuple[type[Problem], ...] = (SineFit, Paraboloid)


def registered() -> dict[str, type[Problem]]:
    """Every problem class by its name: the built-in ones first, then the entry points'."""
    found: dict[str, type[Problem]] = {p.name: p for p in BUILT_IN}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINTS):
        try:
            problem = entry.load()
            name = problem.name
        except Exception as exc:  # a broken package must not stop the others
            warnings.warn(
                f"problem {entry.name!r} ({entry.value}) left out: {exc!r:.200}", stacklevel=2
            )
            continue
        if not isinstance(name, str) or name in found:
            warnings.warn(
                f"problem {entry.name!r} ({entry.value}) left out: its name {name!r} is taken "
                "or not a string",
                stacklevel=2,
            )
            continue
        found[name] = problem
    return found


class Registry(MutableMapping[str, type[Problem]]):
    """The problems by name, filled from ``registered`` at the first use."""

    def __init__(self) -> None:
        self._problems: dict[str, type[Problem]] | None = None

    def _loaded(self) -> dict[str, type[Problem]]:
        if self._problems is None:
            self._problems = registered()
        return self._problems

    def __getitem__(self, name: str) -> type[Problem]:
        return self._loaded()[name]

    def __setitem__(self, name: str, problem: type[Problem]) -> None:
        self._loaded()[name] = problem

    def __delitem__(self, name: str) -> None:
        del self._loaded()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __repr__(self) -> str:
        return f"Registry({self._loaded()!r})"
