"""NumPy arrays with the kernel's moments, and the polynomial descents' whole loop, compiled
by numba: one pass per iteration."""

from descent_bench.backends.numba.backend import NumbaBackend

__all__ = ["NumbaBackend"]
