"""pytest-benchmark's failed comparison as one failure line, not a traceback.

With ``--benchmark-compare-fail`` pytest-benchmark raises ``PerformanceRegression`` from its
terminal summary, which pytest prints as an internal error. This ends the run with exit
status 1 and one line instead, after pytest-benchmark's own list of the slower rows.
"""

import pytest
from pytest_benchmark.session import PerformanceRegression

MESSAGE = (
    "FAILED benchmark comparison: the rows listed under 'Performance has regressed' are "
    "slower than the saved run by more than --benchmark-compare-fail allows"
)


@pytest.hookimpl(wrapper=True)
def pytest_terminal_summary(terminalreporter):
    try:
        return (yield)
    except PerformanceRegression:
        terminalreporter.write_line(MESSAGE, red=True, bold=True)
        raise pytest.exit("benchmark comparison failed", returncode=1) from None
