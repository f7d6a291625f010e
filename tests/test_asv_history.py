"""benchmarks/history.py: the saved asv results as offline pictures, commits in date order."""

import json

import pytest

from benchmarks import history

COLUMNS = [
    "result",
    "params",
    "version",
    "started_at",
    "duration",
    "stats_ci_99_a",
    "stats_ci_99_b",
]
PARAMS = [["'numpy'", "'jax'"], ["2000"]]


def save(folder, commit, date, medians, env="env"):
    run = {
        "env_name": env,
        "commit_hash": commit * 40,
        "date": date,
        "result_columns": COLUMNS,
        "results": {
            "bench_descent.SineFit.time_run": [medians, PARAMS, "v", 0, 1.0, medians, medians],
            "bench_descent.SineFit.track_max_rel_diff": [[0.0, 0.0], PARAMS, "v", 0, 1.0],
        },
    }
    (folder / f"{commit * 8}-{env}.json").write_text(json.dumps(run))


def test_rows_follow_commit_dates_and_skip_tracks_and_missing_values(tmp_path):
    save(tmp_path, "b", 2000, [2.0, None])
    save(tmp_path, "a", 1000, [1.0, 3.0])
    (tmp_path / "machine.json").write_text("{}")
    found = history.series(history.saved_runs(tmp_path))
    assert list(found) == ["bench_descent.SineFit.time_run"]
    rows = found["bench_descent.SineFit.time_run"]
    assert [p[2] for p in rows["numpy, 2000"]] == [1.0, 2.0]
    assert [p[2] for p in rows["jax, 2000"]] == [3.0]


def test_draws_one_png_per_timed_benchmark(tmp_path):
    pytest.importorskip("matplotlib")
    save(tmp_path, "a", 1000, [1.0, 3.0])
    save(tmp_path, "b", 2000, [2.0, 3.5])
    written = history.draw(tmp_path, tmp_path / "plots")
    assert [p.name for p in written] == ["bench_descent.SineFit.time_run.png"]
    assert written[0].read_bytes().startswith(b"\x89PNG")


def test_rows_of_two_environments_are_two_lines(tmp_path):
    save(tmp_path, "a", 1000, [1.0, 3.0], env="threads1")
    save(tmp_path, "a", 1000, [0.6, 2.0], env="threads2")
    rows = history.series(history.saved_runs(tmp_path))["bench_descent.SineFit.time_run"]
    assert sorted(rows) == [
        "jax, 2000 [threads1]",
        "jax, 2000 [threads2]",
        "numpy, 2000 [threads1]",
        "numpy, 2000 [threads2]",
    ]
