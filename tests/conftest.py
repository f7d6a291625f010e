import os

import pytest

# The sharding tests split data over 4 devices; on a CPU JAX simulates them. This must be set
# before JAX starts, so it is set here, first; an explicit setting wins.
os.environ.setdefault("JAX_NUM_CPU_DEVICES", "4")

from availability import backend_param
from descent_bench import backends

# Every backend: built in, installed plugins', and the namespaces of DESCENT_BENCH_XP.
BACKEND_PARAMS = [backend_param(name) for name in backends.names()]


@pytest.fixture(params=BACKEND_PARAMS)
def backend(request):
    """Every registered backend, with a stable id; one that can't run here is a visible skip."""
    return backends.load(request.param)
