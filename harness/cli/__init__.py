"""The ``descent-bench`` command line: parsing, argument checks and printing, nothing more."""

from descent_bench.cli.main import main

__all__ = ["main"]
