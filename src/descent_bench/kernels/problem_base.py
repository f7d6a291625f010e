"""An optional base for a problem whose dataclass fields are its options.

A problem that derives from ``ProblemBase`` (a frozen dataclass whose fields include its
``options``, each field named as its option or in ``Option.field``) gets ``at_size``,
``from_options``, ``size`` and the check of every option's value when it is made, from the
options themselves; it adds what its options alone do not rule out in ``check``. A problem
may meet the ``Problem`` contract without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, ClassVar, Self

from descent_bench.kernels.problem import Option


class ProblemBase:
    """``at_size``, ``from_options``, ``size`` and the options' checks, from ``options``;
    ``size_field`` names the field that is the problem's size."""

    options: ClassVar[tuple[Option, ...]]
    size_field: ClassVar[str]

    def __post_init__(self) -> None:
        for option in self.options:
            option.validate(getattr(self, option.field or option.name))
        self.check()

    def check(self) -> None:
        """What the options' own checks leave out (values that must agree with each other);
        ``ValueError`` with a one-line message. Nothing by default."""

    @classmethod
    def at_size(cls, size: int) -> Self:
        """The problem with ``size`` as its size and every other option at its default."""
        return cls(**{cls.size_field: size})

    @classmethod
    def from_options(cls, values: Mapping[str, Any]) -> Self:
        """The problem from ``options`` values by name (missing ones take their default)."""
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        given = {}
        for option in cls.options:
            field = option.field or option.name
            value = values.get(option.name, option.default)
            if field in known:
                given[field] = tuple(value) if option.kind == "reals" else value
        return cls(**given)

    @property
    def size(self) -> int:
        return int(getattr(self, self.size_field))
