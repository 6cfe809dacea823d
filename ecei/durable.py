"""Files that survive a crash (a new or renamed name is durable once its folder is synced); files read with a cap."""

from __future__ import annotations

import os
from pathlib import Path


def sync_folder(folder: Path) -> None:
    """fsync `folder` itself, so that the names created or renamed in it are on disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def umask() -> int:
    """The process's umask (reading it means setting it: it is set back at once), for files made with
    mkstemp or mkdtemp (the owner's alone) that are meant to be read as a plain `open` would make them."""
    current = os.umask(0)
    os.umask(current)
    return current


def read_capped(path: Path, limit: int, what: str) -> bytes:
    """The bytes of `path`, read with a cap: Refused naming `what`, the file and the cap when it holds
    more than `limit` bytes (a /dev/zero or a runaway file never fills the memory)."""
    from ecei.outcome import Refused

    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"{what} {path} is larger than {limit:,} bytes: nothing was read from it")
    return data
