"""JAX: one backend for one device or several (``JaxBackend.sharded``) and several hosts."""

from descent_bench.backends.jax.backend import JaxBackend
from descent_bench.backends.jax.sharding import initialize_distributed

__all__ = ["JaxBackend", "initialize_distributed"]
