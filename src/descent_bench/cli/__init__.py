"""The ``descent-bench`` command line: parsing, argument checks and printing, nothing more.

``main`` is imported on first use, so that the console script (``entry.run``) handles
signals before the command's modules load.
"""

from typing import Any

__all__ = ["main"]


def __getattr__(name: str) -> Any:
    if name == "main":
        from descent_bench.cli.command import main

        return main
    raise AttributeError(f"module 'descent_bench.cli' has no attribute {name!r}")
