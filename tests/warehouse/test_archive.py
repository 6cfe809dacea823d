"""The archive tables: bodies once per hash, compressed, and runs read back as a replay needs them."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import duckdb
import pytest

from ecei.mirror import demo_site
from warehouse.archive import ArchivedRun, Fetch, find_body, load_runs, store_bodies, store_run_archive
from warehouse.db import connect
from warehouse.runs import begin_run

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
