"""A stand-in for CuPy on the CPU (see README.md next to this folder): NumPy underneath."""

import numpy as _np
from numpy import *  # noqa: F403
from numpy import abs, bool_, max, min, ndarray, round  # noqa: F401

from cupy import cuda, fft, linalg  # noqa: F401

__version__ = "14.0.0+stand-in"


def asnumpy(a, stream=None, order="C", out=None):
    return _np.asarray(a, order=order)


class ElementwiseKernel:
    """``ElementwiseKernel(in_params, out_params, operation, name)`` for one input and one
    output, the operation a Python expression after ``out =``; compiling can fail like
    NVRTC without the CUDA libraries."""

    def __init__(self, in_params, out_params, operation, name="kernel", **_options):
        self.inp = in_params.split()[-1]
        self.out = out_params.split()[-1]
        self.expression = operation.split("=", 1)[1].strip().rstrip(";")
        self.name = name

    def __call__(self, x):
        cuda._fail_if("compile")
        return eval(self.expression, {}, {self.inp: _np.asarray(x)})
