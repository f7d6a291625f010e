"""Skip-with-reason for every test that needs a backend: one helper, used everywhere.

Parameters come from the backend registry; a backend that cannot run here is a visible skip
that says why, never a silent pass.
"""

import pytest

from descent_bench import backends


def unavailable_reason(name, devices=1):
    backend = backends.get(name)
    reason = backend.unavailable_reason()
    if reason is None and devices != 1:
        try:
            reason = backend.sharded(devices).unavailable_reason()
        except backends.BackendUnavailable as exc:
            reason = str(exc)
    return reason


def skip_mark(name, devices=1):
    reason = unavailable_reason(name, devices)
    where = name if devices == 1 else f"{name} over {devices} devices"
    return [pytest.mark.skip(reason=f"{where} unavailable: {reason}")] if reason else []


def backend_param(name, value=None, devices=1):
    """``pytest.param`` with the backend's name as id, skipped with its reason if unusable."""
    return pytest.param(name if value is None else value, id=name, marks=skip_mark(name, devices))


def require(name, devices=1):
    """The backend (over ``devices``), loaded, or a skip that says why not."""
    reason = unavailable_reason(name, devices)
    if reason:
        pytest.skip(f"{name} unavailable: {reason}")
    return backends.load(name).sharded(devices).load()


# K for a backend whose every iteration is a scheduler round trip (dask: tens of milliseconds
# here): its contract tests run this many iterations instead of hundreds, the same checks.
ROUND_TRIP_ITERATIONS = 20


def iterations_for(backend, k):
    """``k``, or at most ``ROUND_TRIP_ITERATIONS`` on a backend with a round trip per
    iteration."""
    return min(k, ROUND_TRIP_ITERATIONS) if backend.round_trip_per_iteration else k


def skip_long_run(backend, k, what):
    """Skip, saying why, a test of ``what`` that needs ``k`` iterations exactly where that is
    minutes on this backend (its agreement at fewer iterations is tested elsewhere)."""
    if backend.round_trip_per_iteration and k > ROUND_TRIP_ITERATIONS:
        pytest.skip(
            f"{backend.name}: {what} needs {k} iterations, each a scheduler round trip; "
            f"its agreement is tested at {ROUND_TRIP_ITERATIONS} (test_agreement)"
        )
