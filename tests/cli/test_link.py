"""Identity on the mirror's whole history, and `ecei link` / `ecei unlink` as a person runs them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from ecei.locks import refresh_lock_path
from ecei.mirror import SNAPSHOTS
from tests.cli.helpers import ecei
from tests.conftest import query

OLD, NEW = "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The three demo snapshots crawled in order; returns the warehouse and the last summary."""
    db = tmp_path_factory.mktemp("identity") / "demo.duckdb"
    done = None
    for snapshot in SNAPSHOTS:
        done = ecei("refresh", "--demo", "--demo-snapshot", snapshot, "--db", str(db))
        assert done.returncode == 0, done.stderr
    assert done is not None
    return db, done.stdout


@pytest.fixture
def db(history: tuple[Path, str], tmp_path: Path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(history[0], copy)
    return copy


def identity_state(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {t: query(db, f"select * from {t} order by all") for t in ("versions", "changes", "cluster_keys")}


def test_mirror_rename_is_linked_automatically(history: tuple[Path, str]) -> None:
    db, _ = history
    links = query(db, "select old_name, new_name, linked, decided_by, run_id from cluster_links")
    assert links == [(OLD, NEW, True, "auto", 3)]
    renamed = query(db, "select old_name, new_name from cluster_changes where change = 'renamed'")
    assert renamed == [(OLD, NEW)]
    first_run = query(db, "select started_at from crawl_runs where run_id = 1")[0][0]
    assert query(db, "select first_seen_at from clusters_current where name = ?", [NEW]) == [(first_run,)]
    ids = query(db, "select count(distinct cluster_id) from cluster_history where name in (?, ?)", [OLD, NEW])
    assert ids == [(1,)]
    assert query(db, "select renamed, removed from crawl_runs where run_id = 3") == [(1, 2)]


def test_mirror_unrelated_departure_and_arrival_stay_apart(history: tuple[Path, str]) -> None:
    db, _ = history
    kinds = query(
        db,
        "select name, change from cluster_changes where run_id = 3 and change in ('added', 'removed') order by 1",
    )
    assert kinds == [("Aviation Valley", "removed"), ("IKT Grenland", "removed"), ("Ocean Autonomy Cluster", "added")]


def test_refresh_summary_shows_the_decisions(history: tuple[Path, str]) -> None:
    _, summary = history
    assert "identity: rename decisions" in summary
    assert "same website" in summary
    assert "added / changed / removed / renamed" in summary


def test_unlink_and_link_by_hand_round_trip(db: Path) -> None:
    before = identity_state(db)
    done = ecei("unlink", OLD, NEW, "--db", str(db))
    assert done.returncode == 0, done.stderr
    kinds = query(db, "select change from cluster_changes where name in (?, ?) and run_id = 3 order by 1", [OLD, NEW])
    assert kinds == [("added",), ("removed",)]
    assert identity_state(db) != before

    done = ecei("link", OLD.lower(), NEW, "--country", "Norway", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert identity_state(db) == before


def test_link_refused_exits_2(db: Path) -> None:
    done = ecei("link", "IKT Grenland", "No Such Cluster", "--db", str(db))
    assert done.returncode == 2
    assert "refused" in done.stderr
    assert ecei("unlink", "IKT Grenland", "Ocean Autonomy Cluster", "--db", str(db)).returncode == 2


def test_link_waits_for_a_refresh(db: Path) -> None:
    with FileLock(str(refresh_lock_path(db))):
        done = ecei("unlink", OLD, NEW, "--db", str(db))
    assert done.returncode == 4
    assert query(db, "select count(*) from cluster_links") == [(1,)]
