"""NumPy on the host CPU: eager steps in a Python loop."""

from descent_bench.backends.numpy.backend import NumpyBackend

__all__ = ["NumpyBackend"]
