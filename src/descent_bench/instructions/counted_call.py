"""The process ``counting.count`` runs under callgrind: one row prepared as a timed run
prepares it, then one K-call with instrumentation on around it alone.

    python -m descent_bench.instructions.counted_call '<Row as JSON>'

Exit 0 when counted; otherwise 2 with one line on stderr saying why.
"""

from __future__ import annotations

import gc
import sys
import warnings

from descent_bench.instructions import aligned_arrays, callgrind
from descent_bench.native import fused
from descent_bench.timing.prepare import prepare
from descent_bench.timing.rows import Row, runner
from descent_bench.timing.threads import held, held_backends


def count_call(row: Row) -> None:
    """Prepare ``row`` (compiled and warmed up outside the count) on arrays that start on a
    64-byte boundary (``aligned_arrays``), then run one K-call between ``callgrind.start``
    and ``callgrind.stop``."""
    fused.valgrind_cpu()  # valgrind's CPU has no AVX-512
    aligned_arrays.install()  # every array from here on starts on a 64-byte boundary
    callgrind.load()  # built and loaded before anything is counted
    with held(0, row.threads) as hold:
        made = runner(row)  # the library starts its pools on the held CPUs
        hold.widen()
        with held_backends([made.backend], row.threads), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a diverging row still counts
            prepared = prepare(row, made)
            for _ in range(3):  # more steady calls: caches, lazy paths and the heap settled
                prepared.time_call()
            gc.collect()  # no collection of what the preparation left inside the count
            gc.disable()
            try:
                callgrind.start()
                prepared.time_call()
                callgrind.stop()
            finally:
                gc.enable()


def main(argv: list[str]) -> int:
    try:
        count_call(Row.from_json(argv[0]))
    except Exception as exc:  # one line to the parent, which records it as the reason
        sys.stderr.write(f"{type(exc).__name__}: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
