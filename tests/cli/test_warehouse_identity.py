"""One warehouse, one identity (ecei.locks, ecei.outputs.publish): real `ecei` processes on real files reach
one warehouse through a hard link, through its published copy, or through a --db that is no file."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from ecei.beside import published_path
from tests.cli.helpers import ECEI, ecei
from tests.conftest import query
from tests.receivers import Webhook

REFUSED = 2
ALERTS = ("alerts", "--today", "2021-09-15")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(dated_db: Path, tmp_path: Path) -> Path:
    """The demo warehouse, published, in a folder of its own: alerts are due on 2021-09-15."""
    copy = tmp_path / "w" / "ecei.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(dated_db, copy)
    done = ecei("link", "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster", "--yes", "--db", str(copy))
    assert done.returncode == 0, done.stderr  # a write: it publishes the copy
    assert published_path(copy).is_file()
    return copy


def test_two_alerts_runs_through_a_hard_link_are_refused_before_sending(
    db: Path, webhook: Webhook, tmp_path: Path
) -> None:
    other = tmp_path / "elsewhere" / "same.duckdb"
    other.parent.mkdir()
    os.link(db, other)  # one file, two names: each name would have locks and a journal of its own
    second_ended = threading.Event()

    def hold_the_first_digest() -> None:
        # where two names could both send, the first run waits for its answer until the second ended
        if len(webhook.posts) == 1:
            second_ended.wait(120)

    webhook.before_answer = hold_the_first_digest
    # Apprise gives up on an answer after 4 s unless the URL says otherwise (rto: read timeout)
    args = (*ALERTS, "--notify", webhook.url("hooks/slow?rto=60"))
    first = subprocess.Popen([ECEI, *args, "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not webhook.posts and first.poll() is None:  # it sent, or it ended
            time.sleep(0.05)
        second = ecei(*args, "--db", str(other))
    finally:
        second_ended.set()
        _, first_errors = first.communicate(timeout=120)
    webhook.before_answer = None
    assert (first.returncode, second.returncode) == (REFUSED, REFUSED), first_errors + second.stderr
    for said in (first_errors, second.stderr):
        assert "has 2 names (hard links)" in said and len(said.strip().splitlines()) == 1
    assert webhook.posts == []
    assert not list(other.parent.glob("same.duckdb.*")) and not (tmp_path / "w" / "ecei.duckdb.alerts.lock").exists()

    other.unlink()  # one name again: the run goes ahead, once
    done = ecei(*args, "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert len(webhook.posts) == 1


def test_an_alerts_run_given_the_published_copy_sends_nothing_and_writes_nothing(db: Path, webhook: Webhook) -> None:
    copy = published_path(db)
    before = {p.name: digest(p) for p in db.parent.iterdir()}
    done = ecei(*ALERTS, "--notify", webhook.url(), "--db", str(copy))
    assert done.returncode == REFUSED, done.stderr
    assert f"is the published copy of {db}" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert webhook.posts == []
    assert {p.name: digest(p) for p in db.parent.iterdir()} == before  # no lock, no journal, the copy as it was
    ok = ecei(*ALERTS, "--notify", webhook.url(), "--db", str(db))
    assert ok.returncode == 0 and len(webhook.posts) == 1, ok.stderr
    again = ecei(*ALERTS, "--notify", webhook.url(), "--db", str(db))
    assert again.returncode == 0 and len(webhook.posts) == 1, "sent the same alerts twice"


@pytest.mark.parametrize(
    "args",
    [
        ("refresh", "--start-url", "http://127.0.0.1:9/benchmarked-clusters"),
        ("link", "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster", "--yes"),
        ("unlink", "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster", "--yes"),
        ("alerts", "--today", "2021-09-15", "--dry-run"),
        ("replay", "--in-place"),
        ("demo", "build"),
        # an archive that cannot be reached: refused before it is asked anything
        ("backfill", "--wayback"),
        ("dismiss", "--subscriber", "ECEI_NOTIFY", "--all", "--why", "gone", "--yes"),
    ],
    ids=lambda args: {"alerts": "alerts --dry-run", "backfill": "backfill --wayback"}.get(args[0], args[0]),
)
def test_every_writer_refuses_the_published_copy(db: Path, args: tuple[str, ...]) -> None:
    copy = published_path(db)
    before = {p.name: digest(p) for p in db.parent.iterdir()}
    done = ecei(*args, "--db", str(copy))
    assert done.returncode == REFUSED, done.stdout + done.stderr
    assert "is the published copy of" in done.stderr and "nothing was written" in done.stderr, done.stderr
    assert {p.name: digest(p) for p in db.parent.iterdir()} == before


@pytest.mark.parametrize(
    "args",
    [
        ("refresh", "--db", "md:ecei"),
        ("refresh", "--db", "motherduck:ecei"),
        ("refresh", "--db", "s3://bucket/ecei.duckdb"),
        ("refresh", "--db", "https://example.invalid/ecei.duckdb"),
        ("refresh", "--db", ":memory:"),
        ("alerts", "--today", "2021-09-15", "--db", "md:ecei"),
        ("sql", "select 1", "--db", "md:ecei"),
        ("report", "--db", "md:ecei"),
        ("demo", "build", "--db", "md:ecei"),
    ],
    ids=lambda args: " ".join(args[:1] + args[-1:]),
)
def test_a_db_that_is_no_local_file_is_refused_before_anything(tmp_path: Path, args: tuple[str, ...]) -> None:
    env = {**os.environ, "HOME": str(tmp_path)}  # where DuckDB would put an extension it downloads
    done = ecei(*args, cwd=tmp_path, env=env)
    assert done.returncode == REFUSED, done.stderr
    assert "not a local file path" in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert list(tmp_path.iterdir()) == []  # no lock file such as md:ecei.lock, no extension fetched
    given = args[-1]
    from_env = ecei(*args[:-2], cwd=tmp_path, env={**env, "ECEI_DB": given})
    assert from_env.returncode == REFUSED and f"ECEI_DB='{given}'" in from_env.stderr, from_env.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_warehouse_and_its_namesake_without_a_suffix_keep_copies_of_their_own(dated_db: Path, tmp_path: Path) -> None:
    with_suffix, without = tmp_path / "w.duckdb", tmp_path / "w"
    shutil.copyfile(dated_db, with_suffix)
    shutil.copyfile(dated_db, without)
    link = ("link", "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster", "--yes", "--db")
    assert ecei(*link, str(with_suffix)).returncode == 0  # publishes w.duckdb's copy
    assert ecei("alerts", "--today", "2021-09-15", "--db", str(without)).returncode == 0  # publishes w's copy
    alerts_runs = "select count(*) from alert_runs"
    both = f"select (select count(*) from cluster_link_decisions where decided_by = 'person'), ({alerts_runs})"
    assert published_path(with_suffix) != published_path(without)
    # a reader of each reads its own warehouse's copy, not the other's
    assert query(published_path(with_suffix), both) == [(1, 0)]
    assert query(published_path(without), both) == [(0, 1)]
    read = ecei("sql", "--format", "csv", alerts_runs, "--db", str(with_suffix))
    assert read.stdout.splitlines()[1:] == ["0"], read.stderr
