"""What a callgrind output file says (one event, ``Ir``): the total, the instructions an idle
thread pool spun, and the instructions spent in the C allocator, read from its per-function
costs and call graph (callgrind's format: valgrind's docs, "Callgrind Format
Specification")."""

from __future__ import annotations

import re


class NoTotals(ValueError):
    """The file has no totals line: callgrind did not finish writing it."""


TOTALS = re.compile(r"^(?:totals|summary):\s*(\d+)", re.MULTILINE)
# Functions in which a thread pool's idle workers spin, looking for work, before they sleep:
# how long they spin depends on how the threads happen to be scheduled, not on the code
# measured (XLA's Eigen pool: 100,000 instructions in some runs of a jax row, 104 in
# others), so their own instructions are taken out of the count.
IDLE_SPIN = re.compile(r"Eigen::ThreadPoolTempl<.*>::MaybeGetTask\(")


def idle_instructions(text: str, pattern: re.Pattern[str] = IDLE_SPIN) -> int:
    """The instructions callgrind counted in the functions ``pattern`` names, themselves
    (not their callees), from a callgrind output file with one event (``Ir``)."""
    names: dict[str, str] = {}
    spinning, skip_next, total = False, False, 0
    for line in text.splitlines():
        if line.startswith(("fn=", "cfn=")):  # a name is given with its id once, either way
            ref, _, name = line.partition("=")[2].partition(" ")
            if name:
                names[ref] = name
            if line.startswith("fn="):
                spinning = bool(pattern.search(names.get(ref, ref)))
        elif line.startswith("calls="):
            skip_next = True  # the next cost line is the call's, inclusive
        elif line[:1].isdigit() or line[:1] in "+-*":
            parts = line.split()
            if skip_next:
                skip_next = False
            elif spinning and len(parts) > 1:
                total += int(parts[-1])
    return total


# The C allocator's entry points (glibc's malloc family). What a call into one of them
# costs depends on the heap's history as well as on the request: where two threads
# allocate (jax's dispatching thread and the one that runs the computation), that history
# differs from run to run, and so does the cost. ``allocator_instructions`` sums it, callees
# included, so that ``diff --exclude-allocator`` can compare what is left.
ALLOCATOR = frozenset(
    {
        "malloc",
        "free",
        "calloc",
        "realloc",
        "reallocarray",
        "posix_memalign",
        "aligned_alloc",
        "memalign",
        "valloc",
        "pvalloc",
        "cfree",
    }
)


def allocator_instructions(text: str, entries: frozenset[str] = ALLOCATOR) -> int:
    """The instructions of every call into ``entries`` from a function outside them, each
    with its callees (callgrind's inclusive cost of the call), from a callgrind output file
    with one event (``Ir``)."""
    names: dict[str, str] = {}
    caller_inside, callee_inside, in_call, total = False, False, False, 0
    for line in text.splitlines():
        if line.startswith(("fn=", "cfn=")):
            ref, _, name = line.partition("=")[2].partition(" ")
            if name:
                names[ref] = name
            inside = names.get(ref, ref) in entries
            if line.startswith("fn="):
                caller_inside = inside
            else:
                callee_inside = inside
        elif line.startswith("calls="):
            in_call = True  # the next cost line is the call's, inclusive
        elif line[:1].isdigit() or line[:1] in "+-*":
            parts = line.split()
            if in_call and callee_inside and not caller_inside and len(parts) > 1:
                total += int(parts[-1])
            in_call = False
    return total


def total(text: str) -> int:
    """The instruction total (``Ir``, callgrind's first event) of a callgrind output file."""
    found = TOTALS.findall(text)
    if not found:
        raise NoTotals("callgrind wrote no totals")
    return int(found[-1])
