"""The lock files beside a warehouse, one per kind of work that must not run twice at once.

A refresh holds the refresh lock from its crawl to its commit; replay, backfill and a person's
identity decisions take the same lock, so none of them rewrites the history under a merge. Alerts
runs take a lock of their own, so that two runs never send the same pending alerts. Publishing the
read-only copy (ecei.publish) takes a third, so that two publishes never copy or rename at once.

Every file beside a warehouse is named from its real path (symlinks resolved): two paths to one
file (a symlink, `..`, a relative path) share one lock, as they share one database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from ecei.outcome import Busy


def beside(db: Path, suffix: str) -> Path:
    """The file `<db><suffix>` beside the warehouse's real file, whatever path names the warehouse."""
    real = Path(db).resolve()
    return real.with_name(real.name + suffix)


def refresh_lock_path(db: Path) -> Path:
    return beside(db, ".lock")


def alerts_lock_path(db: Path) -> Path:
    return beside(db, ".alerts.lock")


def publish_lock_path(db: Path) -> Path:
    return beside(db, ".publish.lock")


@contextmanager
def _held(path: Path, wait: float, busy: str) -> Iterator[None]:
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise Busy(busy) from None
    try:
        yield
    finally:
        lock.release()


def refresh_lock(db: Path, wait: float) -> AbstractContextManager[None]:
    """Hold the refresh lock of `db`; Busy when another holder keeps it past `wait` seconds."""
    path = refresh_lock_path(db)
    return _held(
        path,
        wait,
        f"another refresh is running on {db} (it holds {path}); waited {wait:g} s. Try again when it has finished.",
    )


def alerts_lock(db: Path, wait: float) -> AbstractContextManager[None]:
    """Hold the alerts lock of `db`; Busy when another alerts run keeps it past `wait` seconds."""
    path = alerts_lock_path(db)
    return _held(path, wait, f"another alerts run holds {path}")


def publish_lock(db: Path, wait: float) -> AbstractContextManager[None]:
    """Hold the publish lock of `db`; Busy when another publish keeps it past `wait` seconds."""
    path = publish_lock_path(db)
    return _held(path, wait, f"another publish of {db} holds {path}")
