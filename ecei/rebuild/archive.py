"""Reading the page archive: the answers every refresh kept, what they cost, and one kept body.

The warehouse is opened read-only. A warehouse no refresh has opened since the archive came has
no archive tables yet: it reads as an empty archive.
"""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ecei.settings import Settings
from warehouse.archive import find_body
from warehouse.db import open_when_free, sql_file


@dataclass(frozen=True)
class KeptPage:
    """One answer (or download error) a run kept, as `ecei archive list` shows it."""

    run_id: int
    source: str | None
    seq: int
    fetched_at: dt.datetime
    kind: str
    status: int | None
    size: int | None  # bytes as fetched
    stored_size: int | None  # bytes as stored (compressed, once per distinct body)
    sha256: str | None
    url: str
    error: str | None


@dataclass(frozen=True)
class ArchiveStorage:
    """What the archive costs: answers kept, runs, distinct bodies and their bytes."""

    answers: int
    runs: int
    bodies: int
    bytes_fetched: int
    bytes_stored: int


@dataclass(frozen=True)
class ArchiveListing:
    pages: list[KeptPage]
    storage: ArchiveStorage | None  # None when the warehouse has no archive yet


@dataclass(frozen=True)
class KeptBody:
    run_id: int
    status: int
    body: bytes


def _has_archive(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute("select count(*) from duckdb_views() where view_name = 'archived_pages'").fetchone()
    return bool(found and found[0])


def list_pages(settings: Settings, run: int | None = None) -> ArchiveListing:
    """The kept answers of every run, or of `run`; WarehouseBusy while a merge holds the file."""
    with closing(open_when_free(Path(settings.db), settings.busy_timeout, read_only=True)) as con:
        if not _has_archive(con):
            return ArchiveListing([], None)
        pages = [KeptPage(*r) for r in con.execute(sql_file("archive_list.sql"), {"run": run}).fetchall()]
        totals = con.execute("select * from archive_storage").fetchone()
    return ArchiveListing(pages, ArchiveStorage(*totals) if totals else None)


def kept_body(settings: Settings, url: str, run: int | None = None) -> KeptBody | None:
    """The latest kept body of `url` (or the one run `run` fetched); None when none is kept."""
    with closing(open_when_free(Path(settings.db), settings.busy_timeout, read_only=True)) as con:
        found = find_body(con, url, run) if _has_archive(con) else None
    return KeptBody(*found) if found else None
