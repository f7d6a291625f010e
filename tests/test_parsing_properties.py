"""Whatever a user types for a problem's option: a result, or one line on stderr with exit
code 2 (3 for a divergence), never a traceback."""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from descent_bench.cli import main
from descent_bench.kernels import PROBLEMS

OPTIONS = [
    (name, option)
    for name, problem in PROBLEMS.items()
    for option in (*problem.options, problem.start_option)
]


def small_enough(text):
    """Keep generated sizes small: this checks parsing, not the machine's memory."""
    try:
        return abs(int(text)) <= 5000
    except ValueError:
        return True


@pytest.mark.parametrize(("problem", "option"), OPTIONS, ids=[f"{p}-{o.name}" for p, o in OPTIONS])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=12))
def test_any_option_value_is_a_result_or_one_line(capsys, problem, option, text):
    assume(small_enough(text))
    flag = "--" + option.name.replace("_", "-")
    code = main(["fit", problem, f"{flag}={text}", "--iterations", "3", "--print-every", "0"])
    out, err = capsys.readouterr()
    assert code in (0, 2, 3) and "Traceback" not in err
    assert code == 0 or (out, len(err.splitlines())) == ("", 1)
