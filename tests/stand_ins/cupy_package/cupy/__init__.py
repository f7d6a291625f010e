"""A stand-in for CuPy on the CPU (see README.md next to this folder): NumPy underneath."""

import numpy as _np
from numpy import *  # noqa: F403
from numpy import abs, bool_, max, min, ndarray, round  # noqa: F401

from cupy import _emulated, cuda, fft, linalg  # noqa: F401

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


class RawKernel:
    """``RawKernel(code, name, options=())``, called as ``kernel(grid, block, args)``: the
    stand-in cannot compile CUDA C, so a call runs the NumPy emulation registered for the
    kernel's name (``_emulated``), which checks the call's shapes; compiling can fail like
    NVRTC without the CUDA libraries."""

    def __init__(self, code, name, options=(), backend="nvrtc", **_options):
        self.code, self.name, self.options = code, name, tuple(options)
        self._run = None  # "compiled" at the first call, as CuPy does

    def __call__(self, grid, block, args, *, shared_mem=0, stream=None):
        if self._run is None:
            cuda._fail_if("compile")
            self._run = _emulated.emulation(self.name, self.code)
        self._run(grid, block, args)
