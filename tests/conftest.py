import os

import pytest

# The sharding tests split data over 4 devices; on a CPU JAX simulates them. This must be set
# before JAX starts, so it is set here, first; an explicit setting wins.
os.environ.setdefault("JAX_NUM_CPU_DEVICES", "4")

import backends


def backend_params():
    """Every known backend, with a stable id; one that can't run here is a visible skip."""
    params = []
    for name in backends.names():
        reason = backends.get(name).unavailable_reason()
        marks = [pytest.mark.skip(reason=f"{name} unavailable: {reason}")] if reason else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


@pytest.fixture(params=backend_params())
def backend(request):
    return backends.load(request.param)
