import os

import pytest

# The sharding tests split data over 4 devices; on a CPU JAX simulates them. This must be set
# before JAX starts, so it is set here, first; an explicit setting wins.
os.environ.setdefault("JAX_NUM_CPU_DEVICES", "4")

from availability import backend_param
from descent_bench import backends


@pytest.fixture(params=[backend_param(name) for name in backends.names()])
def backend(request):
    """Every registered backend, with a stable id; one that can't run here is a visible skip."""
    return backends.load(request.param)
