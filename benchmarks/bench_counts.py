"""Instructions per iteration of each backend's own loop, over commits: a deterministic
channel beside the times (docs/instruction-counts.md).

One class per registered problem, on the history grid (backend x ``history_sizes`` x dtype).
Each value is one K-call counted under valgrind's callgrind, every thread, in a process of
its own, so it takes seconds to minutes: the family runs only where asked
(``DESCENT_BENCH_COUNT=instructions``, in asv's matrix or the environment asv runs in), and
is skipped with its reason where valgrind is absent or the backend runs on a GPU. A count
moves by less than 0.1% between runs, so asv's ratio test (``asv continuous -f``, ``asv
compare``) reads it as it is: lower is better.
"""

import abc

from benchmarks import compat
from benchmarks.common import BACKENDS, DTYPES, unit

bench = compat.bench
PROBLEMS = bench.problem_names() if bench else []


class Counted(abc.ABC):
    """asv's settings for a count: one value per commit, from one process. Subclasses set
    ``problem_name`` and ``params``; the base is abstract so that asv does not collect it."""

    rounds = 1
    repeat = 1
    number = 1
    timeout = 1800
    param_names = ("backend", "size", "dtype")

    @property
    @abc.abstractmethod
    def problem_name(self) -> str: ...

    def setup(self, backend, size, dtype):
        compat.check_counting()

    @unit("instructions")
    def track_instructions(self, backend, size, dtype):
        """Instructions per iteration of the backend's own loop (one K-call counted)."""
        return compat.instructions(self.problem_name, size, dtype, backend)


def _counted_benchmark(name):
    return type(
        f"{bench.class_name(name)}Instructions",
        (Counted,),
        {
            "problem_name": name,
            "params": (BACKENDS, compat.history_sizes(name), DTYPES),
            "__doc__": f"The {name} problem's instructions per iteration: backend x size x dtype.",
        },
    )


for _name in PROBLEMS:
    globals()[f"{bench.class_name(_name)}Instructions"] = _counted_benchmark(_name)
