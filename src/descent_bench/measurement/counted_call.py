"""The process ``counting.count`` runs under callgrind: one row prepared as a timed run
prepares it, then one K-call with instrumentation on around it alone.

    python -m descent_bench.measurement.counted_call '<CountRequest as JSON>'

Exit 0 when counted; otherwise 2 with one line on stderr saying why.
"""

from __future__ import annotations

import gc
import sys
import warnings

from descent_bench.measurement import aligned_arrays, callgrind, native
from descent_bench.measurement.counting import CountRequest
from descent_bench.measurement.planning import Settings, plan
from descent_bench.measurement.rounds import prepare_row
from descent_bench.measurement.threads import held, held_backends


def count_call(request: CountRequest) -> None:
    """Prepare ``request``'s row (compiled and warmed up outside the count) on arrays that
    start on a 64-byte boundary (``aligned_arrays``), then run one K-call between
    ``callgrind.start`` and ``callgrind.stop``."""
    native.valgrind_cpu()  # valgrind's CPU has no AVX-512
    aligned_arrays.install()  # every array from here on starts on a 64-byte boundary
    settings = Settings(
        backends=(request.library,),
        problems=(request.problem,),
        sizes=(request.size,),
        dtype=request.dtype,
        iterations=request.iterations,
        threads=request.threads,
        processes=1,
        baselines=True,  # the row may be the tutorial's, the C loop or a naive loop
    )
    callgrind.load()  # built and loaded before anything is counted
    with held(0, settings.threads) as hold:
        the_plan = plan(settings)
        hold.widen()
        tasks = [t for t in the_plan.tasks if t.contender.label == request.label]
        if not tasks:
            raise LookupError(f"no row {request.label} for {request.problem} {request.size}")
        in_use = [c.backend for c in the_plan.contenders]
        with held_backends(in_use, settings.threads), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a diverging row still counts
            row = prepare_row(tasks[0], settings)
            if row.iterations != request.iterations:
                raise ValueError(f"K is {row.iterations} here, {request.iterations} asked")
            for _ in range(3):  # more steady calls: caches, lazy paths and the heap settled
                row.time_call()
            gc.collect()  # no collection of what the preparation left inside the count
            gc.disable()
            try:
                callgrind.start()
                row.time_call()
                callgrind.stop()
            finally:
                gc.enable()


def main(argv: list[str]) -> int:
    try:
        count_call(CountRequest.from_json(argv[0]))
    except Exception as exc:  # one line to the parent, which records it as the reason
        sys.stderr.write(f"{type(exc).__name__}: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
