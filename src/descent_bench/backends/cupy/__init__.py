"""CuPy on a CUDA GPU, with the kernel's moments as one generated CUDA kernel (``fused``)."""

from descent_bench.backends.cupy.backend import CupyBackend

__all__ = ["CupyBackend"]
