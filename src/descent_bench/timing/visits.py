"""Timing one process's prepared rows in rounds, visited size by size.

In a round of a size, each of its rows is timed once, in a new random order, so a burst of
load hits every row alike. A size's rounds are not run in one block: the process visits the
sizes in turn, in a new random order each cycle, and runs about ``VISIT_SECONDS`` of a size's
rounds per visit, so each row's calls are spread over the process's whole life. The host's
slow stretches last seconds (docs/performance.md): a block of a few seconds could sit wholly
inside one and shift that size's rows alone, while visits of a quarter-second give every row
its share of slow and fast time.

The process that decides runs a first cycle of every size's minimum rounds and stops there
when every size's rows are ranked (``stopping``); otherwise visits go on while some size's
are not, until its time is spent. Later processes replay its visits exactly.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from descent_bench.records.record import Sample
from descent_bench.records.settings import MAX_ROUNDS
from descent_bench.timing import stopping
from descent_bench.timing.prepare import Prepared

SizeKey = tuple[str, int]  # problem, size

# Seconds of one size's rounds per visit (at least one round): well under the host's slow
# stretches (1-7 s measured here), so none covers all of a row's calls.
VISIT_SECONDS = 0.25
# Rounds of one visit at most: a size whose rounds are quick reaches MAX_ROUNDS over twenty
# visits or more, not in one.
VISIT_ROUNDS = MAX_ROUNDS // 20


@dataclass(frozen=True)
class Visit:
    """``rounds`` consecutive rounds of the rows of one size."""

    size: SizeKey
    rounds: int


def time_round(
    rows: list[Prepared], samples: list[list[Sample]], process: int, rng: random.Random
) -> None:
    """One round: each row timed once, in a new random order; calls appended to ``samples``
    (K from each row's planned ``iterations``, given with its calls)."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    round_index = len(samples[0]) if samples else 0
    for i in order:
        timed = rows[i].time_call()
        k = rows[i].iterations
        samples[i].append(Sample(timed.host_seconds, k, round_index, process, timed.device_seconds))


def unranked(
    samples: dict[SizeKey, list[list[Sample]]], sizes: Sequence[SizeKey], target: float
) -> bool:
    """Some size of ``sizes`` whose rows are not ranked yet (``stopping.settled``)."""
    return any(
        not stopping.settled(
            [[s.seconds_per_iteration for s in own] for own in samples[size]], target
        )
        for size in sizes
    )


def time_visits(
    prepared: dict[SizeKey, list[Prepared]],
    rounds: int,
    target: float,
    process: int,
    rng: random.Random,
    deadline: float,
    replay: Sequence[Visit] | None = None,
    clock: Callable[[], float] = time.perf_counter,
    progress: Callable[[float], None] | None = None,
    max_rounds: int | None = None,
) -> tuple[dict[SizeKey, list[list[Sample]]], list[Visit]]:
    """Rounds of the sizes of ``prepared``, visit by visit: exactly ``replay``'s if given;
    else a first cycle of ``rounds`` rounds of each size, then, while the rows of a size
    below ``max_rounds`` (``MAX_ROUNDS``) are not ranked within ``target`` and ``clock`` is
    before ``deadline``, cycles of visits of about ``VISIT_SECONDS`` (``VISIT_ROUNDS`` at
    most). Returns every row's calls and the visits made. ``progress`` is told the seconds
    spent after each visit."""
    cap = MAX_ROUNDS if max_rounds is None else max_rounds
    began = clock()
    samples: dict[SizeKey, list[list[Sample]]] = {
        size: [[] for _ in rows] for size, rows in prepared.items()
    }
    visits: list[Visit] = []

    def visit(size: SizeKey, count: int, seconds: float) -> None:
        """``count`` rounds of ``size``, or as many as ``seconds`` allows (one at least)."""
        rows, own = prepared[size], samples[size]
        end = clock() + seconds
        done = 0
        while done < count and len(own[0]) < cap:
            time_round(rows, own, process, rng)
            done += 1
            if clock() >= end:
                break
        if done:
            visits.append(Visit(size, done))
        if progress is not None:
            progress(clock() - began)

    if replay is not None:
        for planned in replay:
            if planned.size in prepared:
                visit(planned.size, planned.rounds, math.inf)
        return samples, visits
    order = list(prepared)
    rng.shuffle(order)
    for size in order:  # the first cycle: every size's minimum
        visit(size, rounds, math.inf)

    def open_sizes() -> list[SizeKey]:
        """Sizes below the round cap: more rounds can still narrow their rows' intervals."""
        return [s for s in prepared if len(samples[s][0]) < cap]

    while unranked(samples, open_sizes(), target) and clock() < deadline:
        cycle = open_sizes()
        rng.shuffle(cycle)
        for size in cycle:
            visit(size, VISIT_ROUNDS, VISIT_SECONDS)
            if clock() >= deadline or not unranked(samples, open_sizes(), target):
                break
    return samples, visits
