"""A problem's options (``kernels.Option``, plain data) as argparse flags."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

from descent_bench.cli import arguments as a
from descent_bench.kernels import Option, Problem

PARSERS: Mapping[str, Callable[[str], Any]] = {
    "int": lambda text: int(text.strip()),
    "real": a.real,
    "reals": a.real_list,
    "choice": str,
}


def option_type(option: Option) -> Callable[[str], Any]:
    """Text to a checked value; a bad one is argparse's one-line error naming the flag."""

    def parse(text: str) -> Any:
        try:
            value = PARSERS[option.kind](text)
        except (ValueError, argparse.ArgumentTypeError):
            raise argparse.ArgumentTypeError(f"not {_kind_text(option)}: {text!r}") from None
        try:
            return option.validate(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = option.name  # argparse names the type in some messages
    return parse


def _kind_text(option: Option) -> str:
    return {
        "int": "an integer",
        "real": "a number",
        "reals": "comma-separated numbers",
        "choice": f"one of {', '.join(option.choices)}",
    }[option.kind]


def flag(option: Option) -> str:
    return "--" + option.name.replace("_", "-")


def add_option(parser: argparse.ArgumentParser, option: Option) -> None:
    default = option.default
    if option.kind == "choice":
        parser.add_argument(
            flag(option),
            choices=option.choices,
            default=default,
            help=option.help + ("" if default is None else f" (default {default})"),
        )
        return
    parser.add_argument(
        flag(option),
        type=option_type(option),
        default=default,
        metavar=option.metavar,
        help=option.help + ("" if default is None else f" (default {_shown(default)})"),
    )


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(f"{v:g}" for v in value)
    return str(value)


def add_problem_options(parser: argparse.ArgumentParser, problem: type[Problem]) -> None:
    for option in (*problem.options, problem.start_option):
        add_option(parser, option)


def problem_values(args: argparse.Namespace, problem: type[Problem]) -> dict[str, Any]:
    """The problem's option values from parsed arguments, by option name."""
    return {o.name: getattr(args, o.name) for o in problem.options}


def value_flags(problems: Mapping[str, type[Problem]]) -> set[str]:
    """Flags whose values may start with '-' (numbers), e.g. --domain -pi,pi."""
    return {
        flag(o)
        for p in problems.values()
        for o in (*p.options, p.start_option)
        if o.kind in ("real", "reals")
    }
