"""What a run is asked to measure, as plain data: ``Settings``, and the error naming the
setting that cannot run. Nothing here loads a backend: the output layer and the command line
read it as they read records."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_THREADS = 1  # on a busy machine a second thread can make a row much slower
DTYPES = ("float64", "float32")
MIN_ROUNDS = 3  # timed calls of every row, however slow: a median and a spread need three
MAX_ROUNDS = 400  # per size and process: a quiet bound on the calls a record keeps
QUICK_BUDGET_SECONDS = 8.0  # of rounds beyond the minimum, in a default run
THOROUGH_BUDGET_SECONDS = 30.0  # ... with --thorough


class SettingsError(ValueError):
    """A setting that cannot run; ``setting`` names it."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(message)
        self.setting = setting


@dataclass(frozen=True)
class Settings:
    """What to measure and how long. None means the default: every usable backend meant for
    comparison, every problem, two sizes of each (``sizes.quick_sizes``: one in cache, one
    streaming from memory; every listed size when ``thorough``), K from the workload.

    ``baselines``: the rows a named backend is held against (the tutorial, the C loop, a
    backend's standard-only variant and naive loops) beside the backends' own; None: with
    every backend (``backends`` None) yes, with named ones no. A quick run (not
    ``thorough``, no sizes asked) times the tutorial and the naive loops at each problem's
    smallest size only: at a size that streams, a call of the tutorial's Python loop takes
    seconds.

    Every row is timed once per round, the rows of a size in a new random order each round;
    a process visits the sizes in turn, a quarter-second of one size's rounds at a time, so
    each row's calls are spread over the process's life. The rounds are spread over
    ``processes`` worker processes run one after the other (1: in this process). Each runs
    ``min_rounds`` / ``processes`` rounds of each size or more: the first goes on while a
    size's rows are not ranked (``stopping``: the 99% intervals of neighbours in speed
    overlap and one is wider than ``noise_target`` of its mean either side), within its share
    of ``budget_seconds``; the others replay its visits.
    """

    backends: tuple[str, ...] | None = None
    problems: tuple[str, ...] | None = None  # None: every registered problem
    sizes: tuple[int, ...] | None = None
    dtype: str = "float64"
    iterations: int | None = None
    device_counts: tuple[int, ...] = (1,)
    threads: int = DEFAULT_THREADS
    processes: int = 2
    min_rounds: int = 4
    noise_target: float = 0.05
    budget_seconds: float = QUICK_BUDGET_SECONDS
    thorough: bool = False
    baselines: bool | None = None

    @property
    def with_baselines(self) -> bool:
        return self.backends is None if self.baselines is None else self.baselines
