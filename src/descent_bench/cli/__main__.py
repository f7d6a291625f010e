"""``python -m descent_bench.cli``: the same as the ``descent-bench`` command."""

import sys

from descent_bench.cli.entry import run

sys.exit(run())
