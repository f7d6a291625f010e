"""SIGTERM handled like Ctrl-C: raised where the program is, so that files being written are
cleaned up, then reported with its own exit code."""

from __future__ import annotations

import signal
from types import FrameType

EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # here, so that nothing heavy loads before


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def install_signal_handlers() -> None:
    signal.signal(signal.SIGTERM, _terminate)


def exit_code(interrupt: KeyboardInterrupt) -> int:
    return EXIT_TERMINATED if isinstance(interrupt, Terminated) else EXIT_INTERRUPTED
