"""Identity on the mirror's whole history, and `ecei link` / `ecei unlink` as a person runs them."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import struct
import subprocess
import termios
import time
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from ecei.demo.mirror import SNAPSHOTS
from ecei.locks import refresh_lock_path
from tests.cli.helpers import ECEI, ecei
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
    done = ecei("unlink", OLD, NEW, "--db", str(db), "--yes")
    assert done.returncode == 0, done.stderr
    kinds = query(db, "select change from cluster_changes where name in (?, ?) and run_id = 3 order by 1", [OLD, NEW])
    assert kinds == [("added",), ("removed",)]
    assert identity_state(db) != before

    done = ecei("link", OLD.lower(), NEW, "--country", "Norway", "--db", str(db), "--yes")
    assert done.returncode == 0, done.stderr
    assert identity_state(db) == before


def test_link_refused_exits_2(db: Path) -> None:
    done = ecei("link", "IKT Grenland", "No Such Cluster", "--db", str(db), "--yes")
    assert done.returncode == 2
    assert "refused" in done.stderr
    assert ecei("unlink", "IKT Grenland", "Ocean Autonomy Cluster", "--db", str(db), "--yes").returncode == 2
    unknown = ecei("link", "IKT Grenland", "Ocean Autonomy Cluster", "--country", "Narnia", "--db", str(db), "--yes")
    assert unknown.returncode == 2 and "known countries: Italy, Norway, Poland, Spain" in unknown.stderr


def test_link_waits_for_a_refresh(db: Path) -> None:
    with FileLock(str(refresh_lock_path(db))):
        done = ecei("unlink", OLD, NEW, "--db", str(db), "--yes")
    assert done.returncode == 4
    assert query(db, "select count(*) from cluster_links") == [(1,)]


def on_terminal(args: list[str], answer: str) -> tuple[int, str]:
    """Run `ecei ARGS` on a pseudo-terminal of 200 columns, type `answer` at its question; returns
    the exit code and everything the terminal showed."""
    main, sub = pty.openpty()
    fcntl.ioctl(sub, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    process = subprocess.Popen([ECEI, *args], stdin=sub, stdout=sub, stderr=sub, env=env, close_fds=True)
    os.close(sub)
    shown, asked = b"", False
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if not select.select([main], [], [], 1)[0]:
                continue
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the process ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if not asked and b"[y/N]" in shown:
                os.write(main, answer.encode() + b"\n")
                asked = True
        code = process.wait(timeout=60)
    finally:
        os.close(main)
    text = shown.decode(errors="replace")
    assert asked, f"no question asked: {text}"
    return code, text


def test_unlink_shows_the_evidence_and_asks_on_a_terminal(db: Path) -> None:
    before = identity_state(db)
    code, shown = on_terminal(["unlink", OLD, NEW, "--db", str(db)], "n")
    assert code == 1 and "aborted" in shown
    assert identity_state(db) == before
    # the evidence: both names, their websites, portfolios, label dates and sightings, and the score
    site = "http://www.nce-seafood-innovation-cluster.example/"
    for fact in (OLD, NEW, site, "Food industry", "2015-06-16, 2018-06-16", "2021-06-16", "(still listed)"):
        assert fact in shown, fact
    runs = dict(query(db, "select run_id, started_at from crawl_runs"))
    first_seen = runs[1].replace(microsecond=0).isoformat() + "Z"
    assert f"first seen  │ {first_seen}" in shown
    (recorded,) = query(db, "select score from cluster_link_decisions where new_name = ?", [NEW])[0]
    assert f"score {recorded:.2f} (strong: the rename scoring links such a pair): same website" in shown
    assert f"Unlink {OLD} -> {NEW} (Norway)? [y/N]" in shown

    code, shown = on_terminal(["unlink", OLD, NEW, "--db", str(db)], "y")
    assert code == 0 and f"{NEW} no longer continues the history of {OLD}" in shown
    assert identity_state(db) != before
    code, shown = on_terminal(["link", OLD, NEW, "--db", str(db)], "y")
    assert code == 0 and "(not linked now)" in shown
    assert identity_state(db) == before


def test_without_a_terminal_and_without_yes_nothing_is_written(db: Path) -> None:
    before = identity_state(db)
    done = subprocess.run(
        [ECEI, "unlink", OLD, NEW, "--db", str(db)], stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip().endswith("add --yes to decide from a script; nothing was changed")
    assert NEW in done.stdout and "score" in done.stdout  # the evidence, for whoever reads the log
    assert identity_state(db) == before
    assert query(db, "select count(*) from cluster_links") == [(1,)]


def test_a_refused_link_shows_nothing_and_asks_nothing(db: Path) -> None:
    overlapping = ecei("link", "Arena Eyde", "Arena Magica", "--db", str(db))
    assert overlapping.returncode == 2 and "must have left the list" in overlapping.stderr
    assert overlapping.stdout == ""
