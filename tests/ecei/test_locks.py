"""The lock files beside a warehouse: one holder at a time per kind of work, released whatever happens."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ecei.locks import alerts_lock, alerts_lock_path, refresh_lock, refresh_lock_path
from ecei.outcome import Busy


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
