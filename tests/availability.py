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
