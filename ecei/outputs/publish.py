"""The published copy of the warehouse: the file readers open, so that none of them waits for a writer.

After every write (ecei.refresh.aftermath), before the command that wrote returns, the live file is
checkpointed (its write-ahead log folded in) and copied byte for byte to a temporary file beside the
copy, which is synced, marked read-only and renamed over the copy (os.replace). A reader that opened
the old copy keeps reading it (a file renamed over lives on for whoever has it open), a new reader
opens the new one, and nobody ever opens half of one.

From the checkpoint to the rename the publisher holds the publish lock (ecei.locks) and the live
file open for writing (DuckDB lets one process write a file): no writer changes the file under the
copy, and two publishes (a refresh's and an alerts run's) neither copy at once nor rename an older
copy over a newer one.

The copy's name is ecei.beside's (published_path), which read commands import without this module.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ecei.beside import published_path
from ecei.durable import sync_folder, umask


@dataclass(frozen=True)
class Published:
    path: Path
    size: int  # bytes
    seconds: float  # from waiting for the locks to the rename


def publish(db: Path | str, busy_timeout: float) -> Published:
    """Publish a consistent read-only copy of the warehouse `db`; raises when it cannot (the copy
    already published stays as it was)."""
    from ecei.locks import publish_lock
    from warehouse.db import open_when_free

    started = time.monotonic()
    live = Path(db).resolve()
    if not live.is_file():
        raise FileNotFoundError(f"no warehouse at {live} to publish")
    target = published_path(live)
    with publish_lock(live, busy_timeout), closing(open_when_free(live, busy_timeout)) as con:
        con.execute("checkpoint")
        wal = live.with_name(live.name + ".wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise RuntimeError(f"{wal} still holds writes after the checkpoint: nothing published")
        handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        os.close(handle)
        try:
            shutil.copyfile(live, partial)
            with open(partial, "rb") as copied:
                os.fsync(copied.fileno())
            os.chmod(partial, 0o444 & ~umask())
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        sync_folder(target.parent)  # the rename itself survives a crash
    return Published(target, target.stat().st_size, time.monotonic() - started)


def unpublish(db: Path | str) -> bool:
    """Remove the published copy (publishing is off: a copy left behind would only grow stale)."""
    target = published_path(db)
    if not target.exists():
        return False
    target.unlink()
    return True
