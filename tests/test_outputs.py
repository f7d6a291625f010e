"""Output files: refused before any measuring when they cannot be written, never lost after,
and written before anything prints."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from descent_bench.cli import main
from descent_bench.output import files
from descent_bench.timing import suite

QUICK = ["--backends", "numpy", "--problems", "paraboloid", "--sizes", "10"]
QUICK += ["--iterations", "20", "--min-rounds", "3", "--processes", "1", "--budget", "0"]


def refuse_to_measure(monkeypatch):
    monkeypatch.setattr(suite, "run", lambda *args: pytest.fail("measured"))


def one_error_line(capsys):
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


def test_a_directory_as_json_file_is_refused_before_measuring(monkeypatch, tmp_path, capsys):
    refuse_to_measure(monkeypatch)
    (tmp_path / "d.json").mkdir()
    assert main(["compare", *QUICK, "--json", str(tmp_path / "d.json")]) == 2
    assert "is a directory" in one_error_line(capsys)


def test_a_folder_that_cannot_be_written_is_refused_before_measuring(monkeypatch, capsys):
    refuse_to_measure(monkeypatch)
    assert main(["compare", *QUICK, "--json", "/proc/r.json"]) == 2
    assert "cannot write in '/proc'" in one_error_line(capsys)


def test_a_read_only_folder_is_refused_before_measuring(monkeypatch, tmp_path, capsys):
    refuse_to_measure(monkeypatch)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", denied)
    assert main(["fit", "sine", "--iterations", "5", "--plot", str(tmp_path / "f.png")]) == 2
    assert "Permission denied" in one_error_line(capsys)


def test_the_probe_leaves_nothing_behind(tmp_path):
    assert main(["compare", *QUICK, "--json", str(tmp_path / "r.json")]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_write_that_fails_after_measuring_keeps_the_results(monkeypatch, tmp_path, capsys):
    asked = str(tmp_path / "r.json")
    real = files.write_json

    def disk_full(path, obj):
        if path == asked:
            raise OSError(28, "No space left on device")
        real(path, obj)

    monkeypatch.setattr(files, "write_json", disk_full)
    code = main(["compare", *QUICK, "--json", asked])
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1
    err = errors[0]
    fallback = err.split("written to ")[1].split("'")[1]
    try:
        assert (code, "No space left on device" in err) == (4, True)
        assert json.loads(open(fallback).read())["records"]
    finally:
        os.unlink(fallback)


def run_cli(args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "descent_bench.cli", *args], text=True, check=False, **kwargs
    )


def test_an_ascii_terminal_still_gets_the_table_and_the_file(tmp_path):
    path = tmp_path / "r.json"
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = run_cli(["compare", *QUICK, "--json", str(path)], env=env, capture_output=True)
    assert (proc.returncode, "Traceback" in proc.stderr, path.exists()) == (0, False, True)
    assert "time/iter" in proc.stdout


def test_a_closed_pipe_ends_quietly_with_the_file_written(tmp_path):
    path = tmp_path / "r.json"
    read, write = os.pipe()
    os.close(read)  # nobody reads: every write to stdout fails with EPIPE
    try:
        proc = run_cli(
            ["compare", *QUICK, "--json", str(path)], stdout=write, stderr=subprocess.PIPE
        )
    finally:
        os.close(write)
    assert (proc.returncode, "Traceback" in proc.stderr) == (0, False)
    assert json.loads(path.read_text())["records"]


def test_files_get_the_mode_the_umask_gives(tmp_path):
    old = os.umask(0o027)
    try:
        files.write_json(tmp_path / "r.json", {"a": 1})
    finally:
        os.umask(old)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o640


def test_a_symbolic_link_is_written_through(tmp_path):
    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    files.write_json(tmp_path / "link.json", {"a": 1})
    assert (tmp_path / "link.json").is_symlink()
    assert json.loads((tmp_path / "real.json").read_text()) == {"a": 1}


def test_sigterm_mid_run_leaves_no_file_and_says_so(tmp_path):
    import signal
    import time

    argv = ["compare", "--backends", "numpy", "--problems", "sine", "--sizes", "2000000"]
    argv += ["--min-rounds", "400"]  # still measuring at 3 s: one row alone ranks at once
    child = subprocess.Popen(
        [sys.executable, "-m", "descent_bench.cli", *argv, "--json", str(tmp_path / "r.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its worker processes share its session
    )
    time.sleep(3)  # imports done, measuring (in a worker process)
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 143
    assert err.splitlines()[-1] == "descent-bench: interrupted; no output file was written"
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []
    deadline = time.monotonic() + 10
    while session_members(child.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert session_members(child.pid) == []  # the workers ended with it


def session_members(session: int) -> list[int]:
    """Processes of ``session`` still alive (Linux /proc), zombies left out."""
    members = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, _group, sid = stat.read_text().rsplit(")", 1)[1].split()[:4]
        except (OSError, ValueError):
            continue
        if int(sid) == session and state != "Z":
            members.append(int(stat.parent.name))
    return members


def test_an_interrupt_after_the_json_names_it(monkeypatch, tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="matplotlib not installed")
    from descent_bench.output import plots

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(plots, "plot_compare", interrupted)
    path, png = tmp_path / "r.json", tmp_path / "r.png"
    code = main(["compare", *QUICK, "--json", str(path), "--plot", str(png)])
    err = capsys.readouterr().err.splitlines()[-1]
    assert (code, path.exists(), png.exists()) == (130, True, False)
    assert err == f"descent-bench: interrupted; written before it: {path}"


def test_with_no_file_writable_at_all_the_table_is_still_shown(monkeypatch, tmp_path, capsys):
    def nowhere(*args, **kwargs):
        raise OSError(28, "No space left on device")

    path = str(tmp_path / "r.json")
    code_check = main(["compare", *QUICK, "--json", path])  # the path itself is fine
    capsys.readouterr()
    monkeypatch.setattr(files, "write_json", nowhere)
    monkeypatch.setattr("tempfile.mkstemp", nowhere)
    monkeypatch.setattr("descent_bench.cli.arguments.check_output_path", lambda *a: None)
    code = main(["compare", *QUICK, "--json", path])
    out, err = capsys.readouterr()
    errors = [line for line in err.splitlines() if "error" in line]
    assert (code_check, code, "time/iter" in out, len(errors)) == (0, 4, True, 1)
    assert "the results are above only" in errors[0]


def test_a_device_behind_a_symbolic_link_is_refused(tmp_path, capsys):
    (tmp_path / "r.json").symlink_to("/dev/null")
    assert main(["compare", *QUICK, "--json", str(tmp_path / "r.json")]) == 2
    assert "not a regular file" in one_error_line(capsys)


def test_a_symbolic_link_loop_is_refused(tmp_path, capsys):
    (tmp_path / "loop.json").symlink_to(tmp_path / "loop.json")
    assert main(["compare", *QUICK, "--json", str(tmp_path / "loop.json")]) == 2
    one_error_line(capsys)
