"""The lock files beside a warehouse, one per kind of work that must not run twice at once.

A refresh holds the refresh lock from its crawl to its commit; replay, backfill and a person's
identity decisions take the same lock, so none of them rewrites the history under a merge. Alerts
runs take a lock of their own, so that two runs never send the same pending alerts. Publishing the
read-only copy (ecei.outputs.publish) takes a third, so that two publishes never copy or rename at once.

One warehouse, one identity. Every file beside a warehouse (its locks, its delivery store, its
published copy: ecei.outputs.publish.published_path) is named from its real path (symlinks resolved): two
paths to one file (a symlink, `..`, a relative path) share one lock, as they share one database,
and two files (`w` and `w.duckdb`) never share one. Names come from the path, not the inode: a
replay, a backfill or a demo build puts a rebuilt file in place with a rename (a new inode), and
the side files must still be found. A hard link is the one way two real paths name one file, and
no path leads from one name to the others (the kernel keeps no list of them): so a command that
writes refuses a warehouse file with more than one name (writable_warehouse), rather than take a
lock the other name's writer never sees. A hard link is no backup either (one file, written through
both names); `cp` makes one. Writers refuse the published copy too: it is replaced at every write.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from ecei.beside import beside, live_of
from ecei.outcome import Busy, Refused


def writable_warehouse(db: Path) -> None:
    """Refused (one line) when `db` is a file a command must not write as a warehouse: the published
    copy of one (ecei.outputs.publish), or a file with a second name (a hard link: see the module)."""
    live = live_of(db)
    if live is not None:
        raise Refused(
            f"{db} is the published copy of {live}: it is read-only and replaced at every write; "
            f"nothing was written or sent: write to the warehouse itself (--db {live})"
        )
    real = Path(db).resolve()
    try:
        links = real.stat().st_nlink
    except FileNotFoundError:
        return  # a warehouse still to be made
    backup = beside(real, ".replay-backup")  # a replay's own second name, under the locks it holds
    if links > 1 and not (links == 2 and backup.exists() and backup.samefile(real)):
        raise Refused(
            f"{db} has {links} names (hard links): its locks and published copy are named from one path, so "
            "writers through another name would not see them; nothing was written or sent: remove the other "
            f"names (find {real.parent} -samefile {real}), or copy the file (cp) for a backup"
        )


def refresh_lock_path(db: Path) -> Path:
    return beside(db, ".lock")


def alerts_lock_path(db: Path) -> Path:
    return beside(db, ".alerts.lock")


def publish_lock_path(db: Path) -> Path:
    return beside(db, ".publish.lock")


@contextmanager
def _held(path: Path, wait: float, busy: str) -> Iterator[None]:
    # imported by the writers that take a lock: a read (`ecei status`, which names these files) needs none
    from filelock import FileLock, Timeout

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
    """Hold the refresh lock of `db`; Busy when another holder keeps it past `wait` seconds; Refused,
    before any lock file is made, for a file no command may write (writable_warehouse)."""
    writable_warehouse(db)
    path = refresh_lock_path(db)
    return _held(
        path,
        wait,
        f"another refresh is running on {db} (it holds {path}); waited {wait:g} s. Try again when it has finished.",
    )


def alerts_lock(db: Path, wait: float) -> AbstractContextManager[None]:
    """Hold the alerts lock of `db`; Busy when another alerts run keeps it past `wait` seconds;
    Refused, before any lock file is made, as refresh_lock."""
    writable_warehouse(db)
    path = alerts_lock_path(db)
    return _held(path, wait, f"another alerts run holds {path}")


def publish_lock(db: Path, wait: float) -> AbstractContextManager[None]:
    """Hold the publish lock of `db`; Busy when another publish keeps it past `wait` seconds."""
    path = publish_lock_path(db)
    return _held(path, wait, f"another publish of {db} holds {path}")
