"""The raw page archive: what each run fetched, with bodies stored once per content hash (zlib).

A replay rebuilds the history from these tables alone, so they hold everything a run's judgement
depends on: every answer (status, content type, body), every download error, and how the crawl ended.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import zlib
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import sql_file

# zlib stores the demo pages in about a quarter of their size; DuckDB's own FSST on the raw text
# manages about half (the manual: operator/archive.md), and zstd is not in the standard library of 3.11. Level 6
# packs 100,000 rows of pages to 9.1% in 0.34 s where level 9 takes 0.77 s for 8.5%.
_LEVEL = 6


@dataclass
class Fetch:
    """One answer (or download error) of a run, as the archive keeps it."""

    seq: int
    url: str
    requested_url: str
    kind: str
    status: int | None
    content_type: str | None
    fetched_at: dt.datetime
    sha256: str | None
    error: str | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Fetch:
        fetched_at = record["fetched_at"]
        if isinstance(fetched_at, str):
            fetched_at = dt.datetime.fromisoformat(fetched_at)
        return cls(
            seq=int(record["seq"]),
            url=record["url"],
            requested_url=record.get("requested_url") or record["url"],
            kind=record["kind"],
            status=record.get("status"),
            content_type=record.get("content_type"),
            fetched_at=fetched_at,
            sha256=record.get("sha256"),
            error=record.get("error"),
        )


@dataclass
class ArchivedRun:
    """A run as a replay sees it: its ledger row and, when archived, what it fetched."""

    started_at: dt.datetime
    start_url: str
    row: dict[str, Any] = field(default_factory=dict)  # the runs row as it stands (empty for a new run)
    archived: bool = True
    source: str = "crawl"
    source_name: str | None = None
    finish_reason: str | None = "finished"
    layout_error: str | None = None
    crash: str | None = None
    fetches: list[Fetch] = field(default_factory=list)

    @property
    def run_id(self) -> int | None:
        return self.row.get("run_id")

    @property
    def finished_at(self) -> dt.datetime | None:
        if "finished_at" in self.row:
            finished: dt.datetime | None = self.row["finished_at"]
            return finished
        return max((f.fetched_at for f in self.fetches), default=self.started_at)


def compress(body: bytes) -> tuple[str, bytes]:
    packed = zlib.compress(body, _LEVEL)
    return ("zlib", packed) if len(packed) < len(body) else ("none", body)


def decompress(compression: str, stored: bytes) -> bytes:
    return zlib.decompress(stored) if compression == "zlib" else stored


def store_bodies(con: duckdb.DuckDBPyConnection, bodies: Mapping[str, bytes]) -> int:
    """Store the bodies the archive lacks; returns how many were new."""
    if not bodies:
        return 0
    have = {
        r[0]
        for r in con.execute(
            "select sha256 from page_bodies where sha256 in (select unnest(?::varchar[]))", [list(bodies)]
        ).fetchall()
    }
    missing = {sha: body for sha, body in bodies.items() if sha not in have}
    for sha, body in missing.items():
        if hashlib.sha256(body).hexdigest() != sha:
            raise ValueError(f"archived body {sha} does not match its hash")
    # zlib lets go of the GIL while it compresses: a large run's pages are compressed on every core
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        packed = list(pool.map(compress, missing.values()))
    for (sha, body), (compression, stored) in zip(missing.items(), packed, strict=True):
        con.execute("insert into page_bodies values (?, ?, ?, ?)", [sha, len(body), compression, stored])
    return len(missing)


def store_run_archive(con: duckdb.DuckDBPyConnection, run_id: int, run: ArchivedRun) -> None:
    """Record what run `run_id` fetched (its bodies must be stored already)."""
    con.execute(
        "insert into archive_runs values (?, ?, ?, ?, ?, ?)",
        [run_id, run.source, run.source_name, run.finish_reason, run.layout_error, run.crash],
    )
    if run.fetches:
        con.executemany(
            "insert into page_fetches values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    run_id,
                    f.seq,
                    f.url,
                    f.requested_url,
                    f.kind,
                    f.status,
                    f.content_type,
                    f.fetched_at,
                    f.sha256,
                    f.error,
                ]
                for f in run.fetches
            ],
        )


def read_body(con: duckdb.DuckDBPyConnection, sha256: str) -> bytes | None:
    row = con.execute("select compression, body from page_bodies where sha256 = ?", [sha256]).fetchone()
    return decompress(row[0], row[1]) if row else None


def find_body(con: duckdb.DuckDBPyConnection, url: str, run_id: int | None) -> tuple[int, int, bytes] | None:
    """(run, HTTP status, body) of the latest kept answer for `url`, or of run `run_id`'s."""
    row = con.execute(sql_file("archive_body.sql"), {"url": url, "run": run_id}).fetchone()
    return (row[0], row[1], decompress(row[2], row[3])) if row else None


def load_runs(con: duckdb.DuckDBPyConnection) -> list[ArchivedRun]:
    """Every run of the warehouse, in run_id order, with its archive when it has one."""
    cur = con.execute("select * from runs order by run_id")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    meta = {
        r[0]: r[1:]
        for r in con.execute(
            "select run_id, source, source_name, finish_reason, layout_error, crash from archive_runs"
        ).fetchall()
    }
    fetches: dict[int, list[Fetch]] = {}
    for r in con.execute(sql_file("archive_fetches.sql")).fetchall():
        fetches.setdefault(r[0], []).append(Fetch(*r[1:]))
    runs = []
    for row in rows:
        archived = meta.get(row["run_id"])
        run = ArchivedRun(
            started_at=row["started_at"], start_url=row["start_url"], row=row, archived=archived is not None
        )
        if archived is not None:
            run.source, run.source_name, run.finish_reason, run.layout_error, run.crash = archived
            run.fetches = fetches.get(row["run_id"], [])
        runs.append(run)
    return runs


def copy_bodies(con: duckdb.DuckDBPyConnection, source: Path) -> int:
    """Copy every body of another warehouse file into this one; returns how many were new."""
    con.execute("attach ? as archive_source (read_only)", [str(source)])
    try:
        before = con.execute("select count(*) from page_bodies").fetchone()
        con.execute(sql_file("archive_copy_bodies.sql"))
        after = con.execute("select count(*) from page_bodies").fetchone()
    finally:
        con.execute("detach archive_source")
    return int(after[0]) - int(before[0]) if before and after else 0


def copy_run(con: duckdb.DuckDBPyConnection, row: Mapping[str, Any]) -> int:
    """Insert a runs row as it stands (a run with no archive, kept verbatim); returns its new id."""
    # the row goes in as one struct, its fields matched to the columns by name; run_id is the new one's
    values = {k: v for k, v in row.items() if k != "run_id"}
    result = con.execute("insert into runs by name select unnest($run) returning run_id", {"run": values}).fetchone()
    assert result is not None
    return int(result[0])


def fetch_keys(runs: Iterable[ArchivedRun]) -> set[tuple[str, dt.datetime, str | None]]:
    """(requested URL, fetch time, body hash) of every archived fetch: what a backfill must not repeat."""
    return {(f.requested_url, f.fetched_at, f.sha256) for run in runs for f in run.fetches}
