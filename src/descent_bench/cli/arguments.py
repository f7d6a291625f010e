"""Argument types and the parser: every bad value is one line naming it and what is allowed.

Exit codes: 0 success, 1 a backend disagrees with the reference (compare), 2 bad input or a
backend that cannot run here, 3 the descent diverged, 4 a result could not be written where
asked (it was saved elsewhere, and the message says where), 5 a measuring process failed
(the message says how), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from descent_bench.cli import signals
from descent_bench.output.files import Saved, resolved

EXIT_OK, EXIT_DISAGREE, EXIT_USAGE, EXIT_DIVERGED, EXIT_NOT_WRITTEN = 0, 1, 2, 3, 4
EXIT_RUN_FAILED = 5
EXIT_INTERRUPTED, EXIT_TERMINATED = signals.EXIT_INTERRUPTED, signals.EXIT_TERMINATED
NAME_MAX = 255  # bytes in one file name on common file systems


class UsageError(Exception):
    """Bad input found after parsing; printed as one line, exit code 2."""


class RunFailed(Exception):
    """A measuring process died or raised; printed as one line, exit code 5."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"descent-bench: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


if TYPE_CHECKING:  # what a command module adds its parser to (not subscriptable at run time)
    Commands = argparse._SubParsersAction[Parser]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value


def fraction(text: str) -> float:
    """A relative amount above 0 and below 10 (0.05 is 5%)."""
    value = _number(text)
    if not 0 < value < 10:
        raise argparse.ArgumentTypeError(f"must be a fraction above 0, e.g. 0.05, got {text!r}")
    return value


def seconds(text: str) -> float:
    """A time in seconds, 0 to 1e6."""
    value = _number(text)
    if not 0 <= value <= 1e6:
        raise argparse.ArgumentTypeError(f"must be seconds from 0 to 1e6, got {text!r}")
    return value


def at_least(minimum: int) -> Callable[[str], int]:
    """An integer argument type: ``minimum`` or more."""

    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text!r}")
        return value

    return whole


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value


def real(text: str) -> float:
    """A float, or a multiple of pi written as pi, -pi, 2pi or 0.5*pi."""
    token = text.strip().lower()
    try:
        if token.endswith("pi"):
            coefficient = token[:-2].rstrip("*").strip()
            scale = {"": 1.0, "-": -1.0, "+": 1.0}.get(coefficient)
            return (float(coefficient) if scale is None else scale) * math.pi
        return float(token)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def learning_rate(text: str) -> float:
    value = real(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def real_list(text: str) -> list[float]:
    """Comma-separated finite numbers, e.g. ``6,-3``."""
    values = [real(part) for part in text.split(",")] if text.strip() else []
    if not values or not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(f"expected comma-separated finite numbers, got {text!r}")
    return values


def name_list(allowed: list[str]) -> Callable[[str], list[str]]:
    """A comma-separated subset of ``allowed``."""

    def parse(text: str) -> list[str]:
        names = [n.strip() for n in text.split(",") if n.strip()]
        unknown = [n for n in names if n not in allowed]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(unknown) or 'empty list'} (choose from {', '.join(allowed)})"
            )
        return list(dict.fromkeys(names))

    return parse


def backend_list(text: str) -> list[str]:
    """Comma-separated backend names: registered ones, plugins' and ``xp:MODULE``."""
    from descent_bench import backends

    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"empty list (choose from {', '.join(backends.names())})")
    for name in names:
        try:
            backends.get(name)
        except KeyError as exc:
            raise argparse.ArgumentTypeError(str(exc.args[0])) from None
    return list(dict.fromkeys(names))


def positive_int_list(text: str) -> list[int]:
    return [positive_int(part) for part in text.split(",")]


def refuse_bare_double_dash(argv: list[str]) -> None:
    """``--opt=--`` reaches a type function as nothing at all (argparse drops the ``--``):
    refused here with the option's name."""
    for arg in argv:
        if arg.startswith("--") and arg.endswith("=--"):
            raise UsageError(f"argument {arg[:-3]}: expected a value, got '--'")


def glue_negative_values(argv: list[str], options: set[str]) -> list[str]:
    """Join ``--opt -1,2`` into ``--opt=-1,2`` so values starting with '-' are not flags."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in options and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def check_output_path(option: str, path: str | None, suffixes: tuple[str, ...]) -> None:
    """An output file checked before any work starts: its suffix, that it is not a folder,
    that its folder exists, and that a file can be created there (a probe, removed again)."""
    if path is None:
        return
    target = Path(path)
    if target.suffix.lower() not in suffixes:
        raise UsageError(f"--{option} file must end in {', '.join(suffixes)}, got {path!r}")
    try:
        real = resolved(path)
        folder = real.resolve().parent
    except OSError as exc:
        raise UsageError(f"--{option} {exc}") from None
    if real.is_dir():
        raise UsageError(f"--{option} {path!r} is a directory, not a file")
    if real.exists() and not real.is_file():
        raise UsageError(f"--{option} {path!r} is not a regular file (a device or a pipe)")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--{option} {str(folder)!r} is not a directory")
    if not folder.is_dir():
        raise UsageError(f"--{option} directory does not exist: {str(folder)!r}")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".descent-bench.", suffix=".probe")
    except OSError as exc:
        raise UsageError(f"--{option} cannot write in {str(folder)!r}: {exc.strerror}") from None
    os.close(fd)
    os.unlink(probe)
    if len(real.name.encode()) > NAME_MAX:
        raise UsageError(f"--{option} file name is longer than {NAME_MAX} bytes")


def check_plot_path(path: str | None) -> None:
    """``check_output_path`` for --plot, and that matplotlib is there to draw it."""
    from descent_bench.output.plots import PLOT_SUFFIXES

    check_output_path("plot", path, PLOT_SUFFIXES)
    if path is None:
        return
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("--plot needs matplotlib (pip install 'descent-bench[plot]')") from None


def report_saved(saved: list[Saved]) -> int:
    """One line per output that went elsewhere (or nowhere); ``EXIT_NOT_WRITTEN`` if any."""
    moved = [s for s in saved if s.failure]
    for s in moved:
        where = f"written to {s.path!r} instead" if s.path else "the results are above only"
        sys.stderr.write(f"descent-bench: error: {s.failure}; {where}\n")
    return EXIT_NOT_WRITTEN if moved else EXIT_OK


def notice(text: str) -> None:
    """``descent-bench: text`` on stderr, broken at words to the output's width (an error
    stays one line: ``ArgumentParser.error``, ``UsageError``)."""
    from descent_bench.output.report import wrap

    sys.stderr.write("\n".join(wrap(f"descent-bench: {text}")) + "\n")


def slower_exit(fail_slower: float | None, slower_beyond: Callable[[float], Sequence[Any]]) -> int:
    """``diff --fail-slower PCT``'s exit code, timed or counted: the rows slower beyond PCT
    named in one line and ``EXIT_DISAGREE``, else ``EXIT_OK``."""
    if fail_slower is None:
        return EXIT_OK
    slower = slower_beyond(fail_slower / 100)
    if not slower:
        return EXIT_OK
    from descent_bench.output.cells import cell_text

    listed = ", ".join(f"{c.new.backend} {c.new.problem} {c.new.size}" for c in slower)
    print(f"slower by more than {fail_slower:g}%: {cell_text(listed)}")
    return EXIT_DISAGREE
