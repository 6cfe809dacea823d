"""The captures a Wayback backfill read from a web archive, kept as they arrive (archive_captures).

Their bodies go to page_bodies like any fetched page's; a backfill run again reads what is here
instead of asking the archive a second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.archive import store_bodies
from warehouse.db import sql_file


@dataclass
class StoredCapture:
    """One capture as archive_captures keeps it."""

    archive_url: str
    original: str
    captured_at: dt.datetime
    kind: str
    status: int | None
    digest: str | None
    sha256: str | None
    content_type: str | None
    fetched_at: dt.datetime
    skipped: str | None = None


def store_capture(con: duckdb.DuckDBPyConnection, capture: StoredCapture, body: bytes | None) -> None:
    """Keep one capture (and its body): one short write, so a killed backfill loses nothing it read."""
    con.execute("begin transaction")
    try:
        if body is not None and capture.sha256 is not None:
            store_bodies(con, {capture.sha256: body})
        con.execute("insert or replace into archive_captures by name select unnest($c)", {"c": capture.__dict__.copy()})
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def stored_captures(con: duckdb.DuckDBPyConnection) -> list[StoredCapture]:
    """Every capture kept, in capture time order."""
    rows = con.execute(sql_file("archive_captures_list.sql")).fetchall()
    return [StoredCapture(*r) for r in rows]


def copy_captures(con: duckdb.DuckDBPyConnection, source: Path) -> int:
    """Copy the captures another warehouse file kept into this one (a replay's new file)."""
    con.execute("attach ? as capture_source (read_only)", [str(source)])
    try:
        con.execute("insert or ignore into archive_captures by name select * from capture_source.archive_captures")
        found = con.execute("select count(*) from archive_captures").fetchone()
    finally:
        con.execute("detach capture_source")
    return int(found[0]) if found else 0
