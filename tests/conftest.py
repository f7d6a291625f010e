import pytest

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
