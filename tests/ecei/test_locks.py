"""The lock files beside a warehouse: one holder at a time per kind of work, released whatever happens."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ecei.beside import beside, published_path
from ecei.locks import alerts_lock, alerts_lock_path, refresh_lock, refresh_lock_path
from ecei.outcome import Busy, Refused


def test_a_second_refresh_lock_is_busy_and_says_who_holds_it(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with refresh_lock(db, 0), pytest.raises(Busy) as busy, refresh_lock(db, 0.2):
        pass
    assert str(refresh_lock_path(db)) in str(busy.value)
    assert "waited 0.2 s" in str(busy.value)


def test_the_lock_is_released_when_the_work_raises(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with pytest.raises(RuntimeError), refresh_lock(db, 0):
        raise RuntimeError("the merge failed")
    with refresh_lock(db, 0):  # free again: this would be Busy otherwise
        pass


def test_alerts_and_refreshes_do_not_wait_for_each_other(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with (
        refresh_lock(db, 0),
        alerts_lock(db, 0),  # taken although a refresh holds its own lock
        pytest.raises(Busy, match="another alerts run holds"),
        alerts_lock(db, 0),
    ):
        pass
    assert refresh_lock_path(db) != alerts_lock_path(db)


@pytest.mark.parametrize("lock", [refresh_lock, alerts_lock], ids=["refresh", "alerts"])
def test_one_lock_per_real_file_whatever_path_names_it(tmp_path: Path, lock: Callable[..., Any]) -> None:
    db = tmp_path / "w.duckdb"
    db.write_bytes(b"")
    (tmp_path / "other").mkdir()
    link = tmp_path / "other" / "link.duckdb"
    link.symlink_to(db)
    with lock(link, 0), pytest.raises(Busy), lock(db, 0):
        pass
    assert alerts_lock_path(link) == alerts_lock_path(db) and refresh_lock_path(link) == refresh_lock_path(db)


def test_a_warehouse_with_a_second_name_is_refused_for_writing_unless_it_is_a_replays_backup(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    db.write_bytes(b"")
    other = tmp_path / "copy.duckdb"
    os.link(db, other)
    for name in (db, other):
        with pytest.raises(Refused, match="has 2 names"), refresh_lock(name, 0):
            pass
    assert not refresh_lock_path(db).exists() and not refresh_lock_path(other).exists()  # refused before any lock file
    other.unlink()
    os.link(db, beside(db, ".replay-backup"))  # the second name a replay in place gives the old file while it swaps
    with refresh_lock(db, 0), alerts_lock(db, 0):
        pass


def test_every_file_beside_the_project_s_warehouse_is_ignored_by_git() -> None:
    root = Path(__file__).resolve().parents[2]
    db = root / "ecei.duckdb"
    suffixes = [".wal", ".lock", ".alerts.lock", ".publish.lock", ".deliveries.sqlite", ".deliveries.jsonl"]
    suffixes += [".deliveries.sqlite-wal", ".deliveries.sqlite-shm", ".replay-tmp", ".replay-tmp.wal", ".replay-backup"]
    copy = published_path(db)
    names = [db, copy, copy.with_name(copy.name + ".wal"), *(beside(db, s) for s in suffixes)]
    names += [
        root / f".{copy.name}.x1y2.partial",
        root / "ecei.replayed.duckdb",
        root / ".ecei-demo-x1y2" / "ecei.duckdb",
    ]
    relative = [str(p.relative_to(root)) for p in names]
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", "--verbose", "--non-matching", *relative],
        cwd=root,
        capture_output=True,
        text=True,
    )
    not_ignored = [line.split("\t")[1] for line in done.stdout.splitlines() if line.startswith("::")]
    assert done.stdout and not_ignored == [], not_ignored
