"""``show`` and ``diff`` of committed files print exactly what they printed when the expected
outputs were written: a change to the code that draws them cannot move a character unseen.

The files are in ``tests/data/golden/``: saved runs (``*.json``) and, for each command and
width, what it printed (``*.txt``). A change that reshapes an output on purpose writes the
expected outputs again, in a commit of its own that says why:

    python tests/test_golden_outputs.py
"""

import contextlib
import io
import os
import pathlib
import sys

import pytest

from descent_bench.cli import main

FOLDER = pathlib.Path(__file__).parent / "data" / "golden"
WIDTHS = (80, 100)
SHOWN = ("run-a", "float32", "devices", "compare-v1", "compare-v2", "counted-a")
DIFFS = (
    ("run-a", "run-b"),
    ("counted-a", "counted-b"),
    ("compare-v2", "run-a"),
    ("compare-v1", "run-b"),
)


def commands():
    """(name of the expected output, arguments, COLUMNS) of every output kept."""
    made = []
    for run in SHOWN:
        for width in WIDTHS:
            made.append((f"show-{run}-{width}", ["show", f"{run}.json"], width))
        made.append((f"show-{run}-markdown", ["show", f"{run}.json", "--markdown"], 100))
    for old, new in DIFFS:
        pair = ["diff", f"{old}.json", f"{new}.json"]
        for width in WIDTHS:
            made.append((f"diff-{old}-{new}-{width}", pair, width))
        made.append((f"diff-{old}-{new}-markdown", [*pair, "--markdown"], 100))
    made.append(
        (
            "diff-counted-a-counted-b-exclude-allocator-80",
            ["diff", "counted-a.json", "counted-b.json", "--exclude-allocator"],
            80,
        )
    )
    return made


def printed(arguments, width):
    """What ``descent-bench ARGUMENTS`` prints on stdout at ``COLUMNS=width``, and its exit
    code, run in the folder of the saved runs."""
    out = io.StringIO()
    before = os.getcwd(), os.environ.get("COLUMNS")
    os.chdir(FOLDER)
    os.environ["COLUMNS"] = str(width)
    try:
        with contextlib.redirect_stdout(out):
            code = main(arguments)
    finally:
        os.chdir(before[0])
        if before[1] is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before[1]
    return f"exit {code}\n{out.getvalue()}"


@pytest.mark.parametrize(("name", "arguments", "width"), commands(), ids=[c[0] for c in commands()])
def test_the_output_is_what_was_kept(name, arguments, width):
    expected = (FOLDER / f"{name}.txt").read_text()
    assert printed(arguments, width) == expected


@pytest.mark.parametrize(
    ("name", "arguments", "width"),
    [c for c in commands() if "--markdown" not in c[1]],
    ids=[c[0] for c in commands() if "--markdown" not in c[1]],
)
def test_every_plain_output_fits_its_width(name, arguments, width):
    widest = max(len(line) for line in printed(arguments, width).splitlines())
    assert widest <= width, (name, widest)


def write_expected():
    for name, arguments, width in commands():
        (FOLDER / f"{name}.txt").write_text(printed(arguments, width))


if __name__ == "__main__":
    write_expected()
    sys.exit(0)
