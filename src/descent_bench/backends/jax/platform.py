"""Which platform jax runs on and why: ``JAX_PLATFORMS``, or the accelerator plugins that are
installed (the ``jax_plugins`` namespace and entry points) and whether they started.

jax falls back to the CPU quietly when an installed GPU plugin cannot start (an old driver,
no visible GPU, missing CUDA libraries); it keeps the plugin's error in
``jax._src.xla_bridge._backend_errors``, read here (a private name: absent, nothing is
reported beyond the fallback itself).
"""

from __future__ import annotations

import importlib.metadata
import os
import pkgutil

INSTALL_HINT = "pip install 'descent-bench[cuda12]' (or [cuda13]) on an NVIDIA machine"


def installed_plugins() -> list[str]:
    """The accelerator plugins jax would load: modules under the ``jax_plugins`` namespace
    and modules advertised under the ``jax_plugins`` entry-point group."""
    found: set[str] = set()
    try:
        import jax_plugins  # type: ignore[import-not-found]

        found |= {name for _, name, _ in pkgutil.iter_modules(jax_plugins.__path__)}
    except ImportError:
        pass
    for entry in importlib.metadata.entry_points(group="jax_plugins"):
        found.add(entry.value.rsplit(".", 1)[-1])
    return sorted(found)


def plugin_errors() -> dict[str, str]:
    """Platform -> the error with which an installed plugin failed to start (quietly), if
    jax kept it. Platforms are matched to plugins by name (``cuda`` in ``xla_cuda12``);
    jax's own quiet failures (``tpu`` without libtpu) are left out."""
    from jax._src import xla_bridge

    plugins = installed_plugins()
    errors = dict(getattr(xla_bridge, "_backend_errors", {}))
    return {
        str(k): " ".join(str(v).split())
        for k, v in errors.items()
        if any(str(k) in plugin for plugin in plugins)
    }


def reason(platform: str) -> str:
    """Why jax runs on ``platform`` (its first device's platform)."""
    asked = os.environ.get("JAX_PLATFORMS")
    if asked:
        return f"JAX_PLATFORMS={asked} asks for it"
    plugins = installed_plugins()
    if platform != "cpu":
        return f"the {', '.join(plugins) or platform} plugin started"
    if not plugins:
        return f"no accelerator plugin is installed ({INSTALL_HINT})"
    failed = plugin_errors()
    if failed:
        return "the plugin(s) " + ", ".join(plugins) + " failed: " + fallback_causes(failed)
    return f"the plugin(s) {', '.join(plugins)} are installed but found no device (no visible GPU?)"


def fallback_causes(failed: dict[str, str]) -> str:
    return "; ".join(f"{name}: {error}" for name, error in sorted(failed.items()))


def warnings(platform: str) -> list[str]:
    """A warning when an accelerator plugin is installed but jax runs on the CPU anyway."""
    plugins = installed_plugins()
    if platform != "cpu" or not plugins or os.environ.get("JAX_PLATFORMS"):
        return []
    failed = plugin_errors()
    cause = fallback_causes(failed) if failed else "it found no device (no visible GPU?)"
    return [
        f"jax runs on the CPU although the plugin(s) {', '.join(plugins)} are installed: "
        f"{cause}; its rows are CPU rows"
    ]
