"""The archive tables: bodies once per hash, compressed, and runs read back as a replay needs them."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import duckdb
import pytest

from ecei.demo.mirror import demo_site
from warehouse.archive import (
    ArchivedRun,
    Fetch,
    copy_bodies,
    copy_run,
    find_body,
    load_runs,
    read_body,
    store_bodies,
    store_run_archive,
)
from warehouse.db import connect
from warehouse.runs import RunFigures, begin_run, settle_run

T0 = dt.datetime(2024, 1, 1, 5)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def test_a_body_is_stored_once_and_compressed(con: duckdb.DuckDBPyConnection) -> None:
    page = (demo_site("2018-10") / "overview.html").read_bytes()
    assert store_bodies(con, {sha(page): page}) == 1
    assert store_bodies(con, {sha(page): page}) == 0
    size, compression, stored = con.execute("select size, compression, octet_length(body) from page_bodies").fetchone()
    assert (size, compression) == (len(page), "zlib") and stored < len(page) / 2


def test_an_incompressible_body_is_kept_as_it_is(con: duckdb.DuckDBPyConnection) -> None:
    noise = os.urandom(512)
    store_bodies(con, {sha(noise): noise})
    assert con.execute("select compression from page_bodies").fetchone() == ("none",)


def test_a_body_must_match_its_hash(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="does not match"):
        store_bodies(con, {sha(b"a"): b"b"})


def test_runs_read_back_with_their_fetches(con: duckdb.DuckDBPyConnection) -> None:
    page = b"<html>overview</html>"
    store_bodies(con, {sha(page): page})
    archived = begin_run(con, "http://x/benchmarked-clusters", T0, 1)
    fetches = [
        Fetch(1, "http://x/robots.txt", "http://x/robots.txt", "robots", 404, "text/html", T0, sha(page)),
        Fetch(
            2,
            "http://x/benchmarked-clusters",
            "http://x/benchmarked-clusters",
            "overview",
            None,
            None,
            T0,
            None,
            "timeout",
        ),
    ]
    store_run_archive(con, archived, ArchivedRun(T0, "", finish_reason="closespider_timeout", fetches=fetches))
    plain = begin_run(con, "http://x/benchmarked-clusters", T0 + dt.timedelta(days=1), 1)
    runs = load_runs(con)
    assert [(r.run_id, r.archived) for r in runs] == [(archived, True), (plain, False)]
    assert runs[0].fetches == fetches and runs[0].finish_reason == "closespider_timeout"
    assert find_body(con, "http://x/robots.txt/", None) == (archived, 404, page)
    assert find_body(con, "http://x/robots.txt", plain) is None


def test_bodies_are_copied_from_another_warehouse_once(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    shared, theirs_only = b"<html>both</html>", b"<html>theirs</html>"
    store_bodies(con, {sha(shared): shared})
    source = tmp_path / "it's elsewhere" / "source.duckdb"  # a quote in the path is a path, not SQL
    with connect(source) as other:
        store_bodies(other, {sha(shared): shared, sha(theirs_only): theirs_only})
    assert copy_bodies(con, source) == 1
    assert read_body(con, sha(theirs_only)) == theirs_only
    assert copy_bodies(con, source) == 0
    assert con.execute("select count(*) from duckdb_databases() where database_name = 'archive_source'").fetchone() == (
        0,
    )


def test_a_run_is_copied_verbatim_under_a_new_id(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with connect(tmp_path / "source.duckdb") as other:
        run_id = begin_run(other, "http://x/there", T0, 1)
        settle_run(other, run_id, "partial", RunFigures(rows_loaded=4, new_portfolios=["ICT"]), "Norway incomplete", T0)
        cur = other.execute("select * from runs where run_id = ?", [run_id])
        names = [d[0] for d in cur.description]
        original = dict(zip(names, cur.fetchone(), strict=True))
    here = [begin_run(con, "http://x/here", T0, 3) for _ in range(2)]
    new_id = copy_run(con, original)
    assert new_id not in (run_id, *here) and new_id > max(here)
    copied = con.execute("select * from runs where run_id = ?", [new_id]).fetchone()
    assert dict(zip(names, copied, strict=True)) == {**original, "run_id": new_id}
    assert (original["stated_total"], original["new_portfolios"]) == (None, ["ICT"])  # a NULL and a list made it
