"""array-api-strict: the conformance backend proving the kernel uses only the standard."""

from descent_bench.backends.strict.backend import StrictBackend

__all__ = ["StrictBackend"]
