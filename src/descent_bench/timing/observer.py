"""Who is told what a measurement is doing, e.g. a progress line: the ``Observer`` protocol,
one that prefixes every message (which worker), and one that is told nothing."""

from __future__ import annotations

from typing import Protocol


class Observer(Protocol):
    """Told what the suite is doing, e.g. to draw a progress bar."""

    def note(self, message: str) -> None: ...

    def begin(self, total: int) -> None: ...

    def row(self, description: str) -> None: ...

    def done_row(self) -> None: ...


class Prefixed:
    """``observer`` with every message prefixed by ``prefix`` (e.g. which worker)."""

    def __init__(self, observer: Observer, prefix: str) -> None:
        self.observer = observer
        self.prefix = prefix

    def note(self, message: str) -> None:
        self.observer.note(f"{self.prefix}: {message}")

    def begin(self, total: int) -> None:
        self.observer.begin(total)

    def row(self, description: str) -> None:
        self.observer.row(f"{self.prefix}: {description}")

    def done_row(self) -> None:
        self.observer.done_row()


class Silent:
    def note(self, message: str) -> None:
        pass

    def begin(self, total: int) -> None:
        pass

    def row(self, description: str) -> None:
        pass

    def done_row(self) -> None:
        pass
