"""Building the C helpers of this folder at run time, where a C compiler is: each built once
per source, compiler, flags and CPU into a cache folder (``$XDG_CACHE_HOME/descent-bench``),
so a later process finds it there. Nothing here runs what it builds."""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path


class NativeUnavailable(RuntimeError):
    """No C compiler, or the helper did not build; the message says which."""


def source(name: str) -> str:
    """The text of ``native/<name>``."""
    return resources.files("descent_bench.native").joinpath(name).read_text()


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "descent-bench"


def _build(text: str, target: Path, flag_sets: tuple[tuple[str, ...], ...]) -> None:
    """``text`` (C) compiled into ``target`` with the first of ``flag_sets`` that works."""
    compiler = os.environ.get("CC", "cc")
    if shutil.which(compiler) is None:
        raise NativeUnavailable(f"no C compiler ({compiler!r} not found; set CC)")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "source.c", Path(tmp) / target.name
        src.write_text(text)
        for flags in flag_sets:
            try:
                proc = subprocess.run(
                    [compiler, *flags, "-o", str(out), str(src)],
                    capture_output=True,
                    text=True,
                    check=False,
                    timeout=120,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise NativeUnavailable(f"the C reference did not build: {exc}") from None
            if proc.returncode == 0:
                os.replace(out, target)
                return
        raise NativeUnavailable(f"the C reference did not build: {proc.stderr.strip()[:300]}")


def cached_build(name: str, flags: tuple[str, ...], *fallbacks: tuple[str, ...]) -> Path:
    """``native/<name>`` built once per source, compiler, ``flags`` and CPU into the cache
    folder (with the first of ``fallbacks`` that works where ``flags`` do not);
    ``NativeUnavailable`` where it does not build."""
    return cached_build_text(Path(name).stem, source(name), flags, *fallbacks)


def cached_build_text(
    stem: str, text: str, flags: tuple[str, ...], *fallbacks: tuple[str, ...]
) -> Path:
    """C source ``text`` built as ``cached_build`` builds a file of this folder."""
    key = "\n".join([text, os.environ.get("CC", "cc"), *flags, machine()])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    target = cache_dir() / f"{stem}-{digest}.so"
    if not target.exists():
        _build(text, target, (flags, *fallbacks))
    return target


def machine() -> str:
    """What a ``-march=native`` build depends on: the architecture and the CPU's features."""
    try:
        info = Path("/proc/cpuinfo").read_text()
        features = next(
            (line for line in info.splitlines() if line.startswith(("flags", "Features"))), ""
        )
    except OSError:
        features = ""
    return f"{platform.machine()} {platform.processor()} {features}"
