"""Backfill the history from web archives: overview and country pages in WARC files become runs.

Every capture of the site's overview or a country page is read (warcio), grouped by its UTC day,
and each day with an overview capture becomes one run, started at its first capture: a day that
lacks some country pages is a partial run, as for a live crawl. The runs join the page archive
and the whole history is replayed in time order, so a capture older than the first live run goes
before it. Captures already in the archive are not added twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_datetime

from crawler.archive_pages import page_kind
from ecei.rebuild.replay import ReplayedRun, ReplayResult, replay
from ecei.settings import DEFAULT_MAX_REJECTED_SHARE
from warehouse.archive import ArchivedRun, Fetch, fetch_keys, load_runs
from warehouse.db import open_when_free


@dataclass
class Capture:
    url: str
    captured_at: dt.datetime
    status: int
    content_type: str | None
    body: bytes
    kind: str
    warc: str


@dataclass
class BackfillResult:
    captures: int = 0  # overview and country captures found
    runs: list[ArchivedRun] = field(default_factory=list)  # the new runs, before the replay
    skipped: list[str] = field(default_factory=list)  # why some captures were not used
    replay: ReplayResult | None = None


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def read_captures(paths: Iterable[Path], start_url: str) -> tuple[list[Capture], list[str]]:
    """The overview and country page captures of `start_url`'s site in the WARC files."""
    captures, skipped = [], []
    site = _host(start_url)
    for path in paths:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                if _host(url) != site:
                    continue
                kind = page_kind(url, start_url)
                if kind not in ("overview", "country"):
                    continue
                status = int(record.http_headers.get_statuscode() or 0)
                if 300 <= status < 400:
                    skipped.append(f"{url} captured as a redirect ({status}) in {path.name}")
                    continue
                captured_at = iso_date_to_datetime(record.rec_headers.get_header("WARC-Date"))
                captures.append(
                    Capture(
                        url=url,
                        captured_at=captured_at,
                        status=status,
                        content_type=record.http_headers.get_header("Content-Type"),
                        body=record.content_stream().read(),
                        kind=kind,
                        warc=path.name,
                    )
                )
    return captures, skipped


def captures_to_runs(captures: list[Capture]) -> tuple[list[ArchivedRun], dict[str, bytes], list[str]]:
    """One run per UTC day that has an overview capture; the bodies by sha256; what was skipped."""
    days: dict[dt.date, list[Capture]] = {}
    for c in sorted(captures, key=lambda c: (c.captured_at, c.url)):
        days.setdefault(c.captured_at.date(), []).append(c)
    runs, bodies, skipped = [], {}, []
    for day, group in sorted(days.items()):
        overview = next((c for c in group if c.kind == "overview"), None)
        if overview is None:
            skipped.append(f"{day}: {len(group)} country page capture(s) but no overview capture")
            continue
        fetches = []
        for seq, c in enumerate(group, start=1):
            sha = hashlib.sha256(c.body).hexdigest()
            bodies[sha] = c.body
            fetches.append(Fetch(seq, c.url, c.url, c.kind, c.status, c.content_type, c.captured_at, sha))
        runs.append(
            ArchivedRun(
                started_at=group[0].captured_at,
                start_url=overview.url,
                source="warc",
                source_name=", ".join(sorted({c.warc for c in group})),
                fetches=fetches,
            )
        )
    return runs, bodies, skipped


def backfill(
    db: Path,
    warcs: list[Path],
    start_url: str,
    into: Path | None = None,
    lock_wait: float = 0.0,
    busy_timeout: float = 10.0,
    keep_backup: bool = False,
    on_run: Callable[[ReplayedRun], None] | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
) -> BackfillResult:
    """Add the WARC captures as runs and replay the history in time order: in place, or into `into`."""
    captures, skipped = read_captures(warcs, start_url)
    runs, bodies, skipped_days = captures_to_runs(captures)
    result = backfill_runs(
        db,
        runs,
        bodies,
        into=into,
        lock_wait=lock_wait,
        busy_timeout=busy_timeout,
        keep_backup=keep_backup,
        on_run=on_run,
        max_rejected_share=max_rejected_share,
    )
    result.captures = len(captures)
    result.skipped[:0] = skipped + skipped_days
    return result


def _same_fetches(run: ArchivedRun, known: set[tuple[str, dt.datetime, str | None]]) -> bool:
    return {(f.requested_url, f.fetched_at, f.sha256) for f in run.fetches} <= known


def backfill_runs(
    db: Path,
    runs: list[ArchivedRun],
    bodies: dict[str, bytes],
    into: Path | None = None,
    lock_wait: float = 0.0,
    busy_timeout: float = 10.0,
    keep_backup: bool = False,
    on_run: Callable[[ReplayedRun], None] | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    same_run: Callable[[ArchivedRun, set[tuple[str, dt.datetime, str | None]]], bool] = _same_fetches,
) -> BackfillResult:
    """Add the runs the archive lacks (`same_run` says which it has) and replay the history in time
    order: in place, or into `into`."""
    result = BackfillResult()
    known: set[tuple[str, dt.datetime, str | None]] = set()
    if db.exists():
        with closing(open_when_free(db, busy_timeout)) as con:
            known = fetch_keys(load_runs(con))
    for run in runs:
        if same_run(run, known):
            result.skipped.append(f"{run.started_at.date()}: already in the archive")
        else:
            result.runs.append(run)
    if not result.runs:
        return result
    wanted = {f.sha256 for run in result.runs for f in run.fetches}
    result.replay = replay(
        db,
        into=into,
        in_place=into is None,
        extra=result.runs,
        extra_bodies={sha: body for sha, body in bodies.items() if sha in wanted},
        lock_wait=lock_wait,
        busy_timeout=busy_timeout,
        keep_backup=keep_backup,
        on_run=on_run,
        max_rejected_share=max_rejected_share,
    )
    return result
