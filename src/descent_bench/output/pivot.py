"""The comparison as the terminal shows it: one table per problem, a row per backend, the sizes
as columns, fitted to a width.

Each size shows the row's mean time per iteration and the half-width of its 95% interval
(``4.70 µs ±3%``); ``~`` marks a row whose interval overlaps a neighbour's in speed at that
size, so that the order of the two is not known. Values every row shares (dtype, device,
threads) go into one header line. Columns are added by what they tell, while the table fits:
the times and agreement always, then the speedup over the tutorial, the compile time, the
share of the streaming ceiling and the largest relative difference from the reference. Plain
text, the same on a terminal and in a pipe; Markdown (``output.markdown``) keeps every column.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from descent_bench.output.cells import (
    ShownRow,
    cell_text,
    duration,
    full_precision,
    half_width,
    row_label,
    significant,
)
from descent_bench.output.grid import Column, Grid
from descent_bench.output.summary import overlap

TIE = "~"  # the row's order against a neighbour in speed is not known at that size
ROOF_NOISE = 1.05  # a row this far above its roof is named under the table


def device(s: ShownRow) -> str:
    """The row's device as shown: ``cpu`` for any host device (jax says ``cpu:0``)."""
    return "cpu" if s.record.platform == "cpu" else s.record.device


def common(rows: Sequence[ShownRow]) -> dict[str, str]:
    """Values every row shares, for the header line."""
    values: dict[str, set[str]] = {
        "dtype": {s.record.dtype for s in rows},
        "device": {device(s) for s in rows},
        "threads": {"-" if s.record.threads is None else str(s.record.threads) for s in rows},
    }
    return {name: next(iter(v)) for name, v in values.items() if len(v) == 1}


def header_line(rows: Sequence[ShownRow]) -> str:
    shared = common(rows)
    parts = [f"{k} {v}" for k, v in shared.items() if not (k == "threads" and v == "-")]
    if any(s.record.samples for s in rows):
        parts.append("time/iter: the mean, ± the half-width of its 95% interval")
    else:  # a file that keeps no calls (version 1)
        parts.append("time/iter: the median (the file keeps no calls, so no interval)")
    return cell_text(", ".join(parts))


def tie_marks(rows: Sequence[ShownRow]) -> set[int]:
    """Indices of rows whose interval overlaps a neighbour's in speed (one problem, size)."""
    order = sorted(range(len(rows)), key=lambda i: rows[i].seconds.value)
    marked: set[int] = set()
    for a, b in itertools.pairwise(order):
        if overlap(rows[a].seconds, rows[b].seconds):
            marked.update((a, b))
    return marked


def problem_grid(
    problem: str,
    labels: list[str],
    cells: dict[tuple[str, int], ShownRow],
    sizes: list[int],
    every_size: dict[str, list[ShownRow]],
) -> Grid:
    """Every column a problem's table can show, in its order: under each size the time, the
    speedup over the tutorial and the share of the streaming ceiling, then the compile time,
    the distance from the reference and the agreement; all but the times and the agreement
    optional (``OPTIONAL``)."""
    marks: dict[int, set[str]] = {}
    for size in sizes:
        present = [label for label in labels if (label, size) in cells]
        tied = tie_marks([cells[(label, size)] for label in present])
        marks[size] = {present[i] for i in tied}

    def time_text(s: ShownRow, size: int, label: str) -> str:
        text = f"{duration(s.seconds.value)} {half_width(s.seconds)}".rstrip()
        return text + (f" {TIE}" if label in marks[size] else "  ")

    def speedup_text(s: ShownRow, size: int, label: str) -> str:
        r = s.speedup_vs_tutorial
        return "" if r is None else f"{significant(r.value)}x"

    def bandwidth_text(s: ShownRow, size: int, label: str) -> str:
        f = s.roof_fraction if roofs else s.bandwidth_fraction
        return "" if f is None else f"{100 * f:.0f}%"

    def at_size(label: str, size: int, text: Callable[[ShownRow, int, str], str]) -> str:
        s = cells.get((label, size))
        return "" if s is None else text(s, size, label)

    def compile_cell(label: str) -> str:
        seconds = [s.record.compile_seconds for s in every_size[label] if s.record.compile_seconds]
        return duration(max(seconds)) if seconds else "-"

    def diff_cell(label: str) -> str:
        return f"{max(s.record.max_rel_diff for s in every_size[label]):.0e}"

    def agrees_cell(label: str) -> str:
        own = every_size[label]
        if not all(s.record.agrees for s in own):
            return "NO"
        return "self" if any(s.record.reference == "kernel" for s in own) else "yes"

    roofs = any(s.record.roof_seconds is not None for s in cells.values())
    per_size = (
        ("time/iter", None, time_text),
        ("vs tut.", "speedup", speedup_text),
        ("% roof" if roofs else "% BW", "bandwidth", bandwidth_text),
    )
    columns = [Column("", group=problem, justify="left")]
    rows: list[list[str]] = [[label] for label in labels]
    for size in sizes:
        # Where its data lives, which roof binds: per platform (CPU and GPU rows, both)
        placed = dict.fromkeys(
            f"{s.record.data_in}, {s.record.binding_roof}-bound"
            for label in labels
            if (s := cells.get((label, size))) is not None and s.record.binding_roof
        )
        where = f" ({'; '.join(placed)})" if roofs and placed else ""
        for name, kind, text in per_size:
            columns.append(Column(name, group=f"{size:,}{where}", kind=kind))
            for label, row in zip(labels, rows, strict=True):
                row.append(at_size(label, size, text))
    for name, kind, cell in (
        ("compile", "compile", compile_cell),
        ("rel diff", "diff", diff_cell),
        ("agrees", None, agrees_cell),
    ):
        columns.append(Column(name, kind=kind))
        for label, row in zip(labels, rows, strict=True):
            row.append(cell(label))
    return Grid(columns, rows)


OPTIONAL = ("speedup", "compile", "bandwidth", "diff")
# With roofs, each row's share of its roof comes first: the roofline is what says how far a
# row is from what the machine allows.
ROOFED = ("bandwidth", "speedup", "compile", "diff")


def problem_table(
    problem: str, rows: Sequence[ShownRow], width: int, every: Sequence[ShownRow] = ()
) -> list[str] | None:
    """One problem's table at most ``width`` wide, or None where even the times do not fit.
    ``every``: the problem's rows at every size (where ``rows`` holds some sizes only)."""
    sizes = sorted({s.record.size for s in rows})
    shown = [*rows, *every]
    many_devices = len({device(s) for s in shown}) > 1
    many_kinds = len({(s.record.dtype, s.record.threads) for s in shown}) > 1

    def name(s: ShownRow) -> str:
        text = row_label(s.record)
        if many_kinds:  # a file holding runs of several dtypes or thread counts
            text += f" {s.record.dtype}/{s.record.threads}t"
        return f"{text} ({device(s)})" if many_devices else text

    cells = {(name(s), s.record.size): s for s in rows}
    labels = list(dict.fromkeys(name(s) for s in rows))
    every_size: dict[str, list[ShownRow]] = {}
    for s in every or rows:
        every_size.setdefault(name(s), []).append(s)

    def speed(label: str) -> tuple[float, ...]:
        # Fastest at the largest size first; rows timed at smaller sizes only after them.
        return tuple(
            cells[(label, size)].seconds.value if (label, size) in cells else float("inf")
            for size in reversed(sizes)
        )

    labels.sort(key=speed)
    grid = problem_grid(problem, labels, cells, sizes, every_size)
    has_tutorial = any(s.speedup_vs_tutorial is not None for s in rows)
    roofed = any(s.record.roof_seconds is not None for s in rows)
    order = [k for k in (ROOFED if roofed else OPTIONAL) if has_tutorial or k != "speedup"]
    fitted = grid.fit(width, order)
    return None if fitted is None else fitted.lines()


def wrapped_table(problem: str, rows: Sequence[ShownRow], width: int) -> list[str] | None:
    """A problem's table; where its sizes do not fit side by side, as few tables of
    consecutive sizes as fit (as a wide data frame wraps); None where one size does not."""
    sizes = sorted({s.record.size for s in rows})
    for parts in range(1, len(sizes) + 1):
        per = -(-len(sizes) // parts)
        chunks = [sizes[i : i + per] for i in range(0, len(sizes), per)]
        out: list[str] = []
        for chunk in chunks:
            part = [s for s in rows if s.record.size in chunk]
            table = problem_table(problem, part, width, rows)
            if table is None:
                break
            out += [*table, ""] if len(chunks) > 1 else table
        else:
            return out[:-1] if len(chunks) > 1 else out
    return None


def tables(rows: Sequence[ShownRow], width: int) -> list[str] | None:
    """Every problem's table, a blank line apart, or None where one does not fit."""
    by_problem: dict[str, list[ShownRow]] = {}
    for s in rows:
        by_problem.setdefault(s.record.problem, []).append(s)
    lines: list[str] = []
    for problem, own in by_problem.items():
        table = wrapped_table(problem, own, width)
        if table is None:
            return None
        lines += [*table, ""]
    return lines[:-1]


def legend(rows: Sequence[ShownRow], lines: Sequence[str] = ()) -> list[str]:
    """What the table's marks and short labels leave out (the tie mark's meaning where one
    of ``lines`` shows it)."""
    out = []
    if any(line.endswith(f" {TIE}") or f" {TIE}  " in line for line in lines):
        out.append(
            f"{TIE} the interval overlaps a neighbour's in speed: the order of the two is not "
            "known."
        )
    baselines = sorted({s.record.backend for s in rows if s.record.baseline})
    if baselines:
        out.append(f"Baselines (loops written first, not ranked): {', '.join(baselines)}.")
    if any(s.record.reference == "kernel" for s in rows):
        out.append("self: compared with the kernel itself on NumPy, not an independent check.")
    worst = sorted({s.record.backend for s in rows if "worst case" in s.record.bound_model})
    if worst:
        out.append(
            f"Tolerance from the worst case of the sums (the backend vouches for none): "
            f"{', '.join(worst)}."
        )
    lower = sorted(
        {
            f"{s.record.backend} [{s.record.precision}]"
            for s in rows
            if not full_precision(s.record.precision)
        }
    )
    if lower:
        out.append(f"Matrix products below full precision: {', '.join(lower)}.")
    above = [
        f"{s.record.backend} ({s.record.problem} {s.record.size:,}, {100 * f:.0f}%)"
        for s in rows
        if (f := s.roof_fraction) is not None and f > ROOF_NOISE
    ]
    if above:
        out.append(
            f"Above its roof by more than {100 * (ROOF_NOISE - 1):.0f}%: {', '.join(above)}: "
            "the roof was measured low (a busy machine?) or misses a resource the row uses."
        )
    if any(s.record.roof_seconds is not None for s in rows):
        out.append(
            "% roof: the time the binding roof allows over the row's; under each size, where "
            "its data lives and which roof binds: compute (the arithmetic at this CPU's "
            "measured peak) or memory (the bytes at the rate measured where they live)."
        )
    if any(s.record.roof_seconds is not None and s.record.platform == "gpu" for s in rows):
        out.append(
            "A GPU row's roofs are the card's nominal peaks: its FMA rate and memory "
            "bandwidth; data in its L2 (whose bandwidth no card publishes) has the compute "
            "roof alone."
        )
    return [cell_text(line) for line in out + notes(rows)]


def notes(rows: Sequence[ShownRow]) -> list[str]:
    """What each backend says of its rows (once per label), and where its time goes where it
    measured a part spent outside computing (per row)."""
    said: dict[str, list[str]] = {}
    for s in rows:
        for note in s.record.notes:
            if note not in said.setdefault(s.record.backend, []):
                said[s.record.backend].append(note)
    out = [f"{label}: {'; '.join(text)}." for label, text in said.items() if text]
    for s in rows:
        r = s.record
        if r.overhead_seconds is None:
            continue
        total = r.mean_seconds_per_iteration
        part = r.overhead_seconds
        where = f"{r.backend}, {r.problem} {r.size:,}: {r.overhead} {duration(part)}"
        if part >= total:
            out.append(f"{where}, all of the row's {duration(total)} an iteration.")
            continue
        out.append(
            f"{where} of {duration(total)} an iteration ({part / total:.0%}); computing the "
            f"rest, {duration(total - part)}."
        )
    return out
