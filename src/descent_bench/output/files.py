"""Write output files atomically: a run that fails or is interrupted leaves no half file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def write_atomic(path: str | os.PathLike[str], write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it there.

    A symbolic link is written through (its target is replaced, the link stays); anything
    there that is not a regular file (a device, a FIFO) is refused with ``OSError``. The file
    gets the mode an ordinary new file would (0666 less the umask), or keeps the mode of the
    file it replaces. The temporary file has the asked path's suffix (some writers choose
    their format by it) and a short name.
    """
    target = resolved(path)
    if target.exists() and not target.is_file():
        raise OSError(f"{str(target)!r} is not a regular file")
    fd, tmp = tempfile.mkstemp(
        dir=target.parent or ".", prefix=".descent-bench.", suffix=Path(path).suffix
    )
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask())
        os.replace(tmp, target)
        _WRITTEN.append(str(path))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def resolved(path: str | os.PathLike[str]) -> Path:
    """The file ``path`` names: a symbolic link's target (``OSError`` for a loop)."""
    try:
        return Path(path).resolve() if Path(path).is_symlink() else Path(path)
    except RuntimeError as exc:  # a symbolic link loop, before Python 3.13
        raise OSError(f"{str(path)!r}: {exc}") from None


_WRITTEN: list[str] = []  # files this process has finished writing, in order


def written() -> list[str]:
    """The files finished so far (an interrupted command names them)."""
    return list(_WRITTEN)


def forget_written() -> None:
    """Start a new command's list of finished files."""
    _WRITTEN.clear()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    def dump(tmp: str) -> None:
        with open(tmp, "w") as fh:
            json.dump(obj, fh, indent=1)
            fh.write("\n")

    write_atomic(path, dump)


@dataclass(frozen=True)
class Saved:
    """Where an output went: the asked path, a fallback, or nowhere, with why the asked one
    (and the fallback) failed."""

    path: str | None
    failure: str | None = None  # why the asked path could not be written


def save(path: str, write: Callable[[str], None]) -> Saved:
    """``write(target)`` to ``path``; if that fails (a full disk, a folder gone or locked
    meanwhile), to a new file in the temporary folder instead, so that finished results are
    not lost. Never raises ``OSError``: if both fail, ``path`` is None and ``failure`` says
    why."""
    try:
        write(path)
        return Saved(path)
    except OSError as exc:
        failure = f"cannot write {path!r}: {exc.strerror or exc}"
    fallback = None
    try:
        fd, fallback = tempfile.mkstemp(prefix="descent-bench-", suffix=Path(path).suffix)
        os.close(fd)
        os.chmod(fallback, 0o666 & ~_umask())
        write(fallback)
        return Saved(fallback, failure)
    except (OSError, FileNotFoundError) as exc:  # no usable temporary folder either
        if fallback:
            Path(fallback).unlink(missing_ok=True)
        return Saved(None, f"{failure}; nor a copy in the temporary folder: {exc}")
