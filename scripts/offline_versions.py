"""The versions of the frameworks an offline node brings itself, read from their metadata
(nothing imported), one line: what scripts/offline-install.sh must leave as it found them."""

from __future__ import annotations

import importlib.metadata

FRAMEWORKS = ("numpy", "torch", "jax", "jaxlib", "cupy-cuda13x", "cupy-cuda12x")


def versions() -> str:
    found = []
    for name in FRAMEWORKS:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} absent")
    return ", ".join(found)


if __name__ == "__main__":
    print(versions())
