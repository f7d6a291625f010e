"""descent-bench show: any file at all gets a table or one line and exit 2, never a
traceback; names from a file cannot drive the terminal."""

import json
import os
import pathlib
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from descent_bench.cli import main
from descent_bench.output.document import LOADERS

COMMITTED = pathlib.Path(__file__).parents[1] / "results" / "cpu" / "compare.json"
DOC = json.loads(COMMITTED.read_text())


def show(capsys, path, *flags):
    code = main(["show", str(path), *flags])
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, path, *flags):
    code, out, err = show(capsys, path, *flags)
    assert (code, out, len(err.splitlines()), "Traceback" in err) == (2, "", 1, False), err
    return err


def with_record(tmp_path, **changes):
    doc = json.loads(json.dumps(DOC))
    doc["records"][0].update(changes)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("flags", [(), ("--markdown",)], ids=["table", "markdown"])
def test_a_record_missing_a_field(tmp_path, capsys, flags):
    doc = json.loads(json.dumps(DOC))
    del doc["records"][0]["agrees"]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    assert "lacks agrees" in refused(capsys, path, *flags)


@pytest.mark.parametrize("key", ["records", "machine", "ceilings"])
def test_a_document_without_a_part(tmp_path, capsys, key):
    doc = dict(DOC)
    del doc[key]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    assert key in refused(capsys, path)


def test_a_field_of_the_wrong_type(tmp_path, capsys):
    assert "size is str" in refused(capsys, with_record(tmp_path, size="big"))


def test_deep_nesting(tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text(
        '{"schema": "descent-bench/compare/2", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    refused(capsys, path)


def test_an_endless_file_is_read_only_up_to_the_limit(capsys):
    assert "larger than" in refused(capsys, "/dev/zero")


def test_a_missing_file(tmp_path, capsys):
    assert "cannot read" in refused(capsys, tmp_path / "none.json")


def test_markup_and_control_characters_in_names_are_shown_as_text(tmp_path, capsys):
    path = with_record(tmp_path, backend="[bold red]x\x1b[2Jy")
    code, out, _ = show(capsys, path)
    assert code == 0 and "\x1b" not in out and "[bold red]x" in out


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=json_values,
    schema=st.sampled_from(sorted(LOADERS)),
)
def test_any_json_gets_a_table_or_one_line(tmp_path, capsys, value, schema):
    doc = {"schema": schema, "machine": {}, "ceilings": {}, "records": [value]}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    code, _, err = show(capsys, path)
    assert code in (0, 2) and "Traceback" not in err
    assert code == 0 or len(err.splitlines()) == 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(0, len(COMMITTED.read_bytes()) - 1))
def test_a_truncated_file_is_one_line(tmp_path, capsys, cut):
    path = tmp_path / "r.json"
    text = COMMITTED.read_bytes()[:cut]
    path.write_bytes(text)
    try:
        json.loads(text)
    except ValueError:
        refused(capsys, path)
    else:  # only a trailing newline cut off: still the whole document
        assert show(capsys, path)[0] == 0


@pytest.mark.parametrize("columns", [80, 100, 160])
def test_the_tables_and_summary_fit_the_terminal(monkeypatch, capsys, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = show(capsys, COMMITTED)
    lines = out.splitlines()
    assert code == 0 and max(len(line) for line in lines) <= columns
    assert "…" not in out and "Summary:" in out
    # A real table: a header line of names, then the rows (not one block per row).
    assert any(line.split()[:1] == ["time/iter"] for line in lines)


def test_a_pipe_without_columns_gets_100(monkeypatch, tmp_path):
    monkeypatch.delenv("COLUMNS", raising=False)
    proc = subprocess.run(
        [sys.executable, "-m", "descent_bench.cli", "show", str(COMMITTED)],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "COLUMNS"},
    )
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0 and max(len(line) for line in lines) <= 100
    assert any("time/iter" in line for line in lines)


def test_too_narrow_for_one_size_falls_back_to_blocks(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "30")
    code, out, _ = show(capsys, COMMITTED)
    assert code == 0 and "     backend  " in out


def test_a_number_too_large_for_a_float_is_one_line(tmp_path, capsys):
    path = tmp_path / "r.json"
    text = json.dumps(DOC).replace(
        '"max_rel_diff": ', '"max_rel_diff": 1' + "0" * 400 + ', "x": ', 1
    )
    path.write_text(text)
    assert "too large" in refused(capsys, path)
