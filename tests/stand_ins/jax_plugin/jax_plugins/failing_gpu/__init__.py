"""A stand-in jax accelerator plugin that fails to start, as a CUDA plugin does on a machine
whose driver is too old: jax then falls back to the CPU quietly. Put the folder above
``jax_plugins`` on PYTHONPATH before jax starts."""

ERROR = "stand-in plugin: CUDA driver version is insufficient for CUDA runtime version"


def initialize():
    from jax._src import xla_bridge

    def factory():
        raise RuntimeError(ERROR)

    xla_bridge.register_backend_factory("failing_gpu", factory, priority=400, fail_quietly=True)
