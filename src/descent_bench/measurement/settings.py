"""What a run is asked to measure, as plain data: ``Settings``, and the error naming the
setting that cannot run. Nothing here loads a backend: the output layer and the command line
read it as they read records."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_THREADS = 1  # on a busy machine a second thread can make a row much slower
DTYPES = ("float64", "float32")
MIN_ROUNDS = 3  # timed calls of every row, however slow: a median and a spread need three
MAX_ROUNDS = 400  # per size and process: a quiet bound on the calls a record keeps


class SettingsError(ValueError):
    """A setting that cannot run; ``setting`` names it."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(message)
        self.setting = setting


@dataclass(frozen=True)
class Settings:
    """What to measure and how long. None means the default: every usable backend meant for
    comparison, every problem, each problem's default sizes, K from the workload.

    Every row is timed once per round, the rows of a size in a new random order each round;
    a process visits the sizes in turn, a quarter-second of one size's rounds at a time, so
    each row's calls are spread over the process's life. The rounds are spread over
    ``processes`` worker processes run one after the other (1: in this process). Each runs
    ``min_rounds`` / ``processes`` rounds of each size or more: the first goes on while a
    row's relative noise (IQR / median) is above ``noise_target``, within its share of
    ``budget_seconds``; the others replay its visits.
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
    budget_seconds: float = 30.0
