"""Backfill the history from a Wayback-compatible web archive: every capture of the registry becomes runs.

The archive's index lists the captures of the overview and of every country page (one prefix
query); each capture is fetched raw, once per content digest, judged (a redirect, an error page
captured with status 200, a layout this version does not read are skipped and counted) and kept in
the warehouse as it arrives (archive_captures, its body in page_bodies), so a backfill killed part
way fetches only what is missing when run again. The kept captures are then put together into
runs: each usable overview capture (the first of its UTC day) with, for each country it links, the
capture of that country page nearest to it within ECEI_WAYBACK_WINDOW_DAYS; a country with none
makes the run partial. The runs go through the WARC backfill's path (ecei.rebuild.backfill): the same
replay, contract, quarantine, completeness rule, identity and merge as a live refresh, in time
order before any later run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from crawler.archive_pages import page_kind
from crawler.pages import LayoutChanged, PageUnreadable, parse_country, parse_overview, site_host
from ecei.locks import writable_warehouse
from ecei.rebuild.backfill import BackfillResult, backfill_runs
from ecei.rebuild.replay import ReplayedRun
from ecei.rebuild.wayback_client import ArchiveClient, CdxRow
from ecei.settings import Settings
from warehouse.archive import ArchivedRun, Fetch, read_body
from warehouse.db import open_when_free
from warehouse.runs import utcnow
from warehouse.wayback import StoredCapture, store_capture, stored_captures

# what the progress callback is told: a step ('listed', 'fetched', 'reused', 'skipped', 'kept',
# 'loaded') and how many more
Progress = Callable[[str, int], None]


@dataclass
class WaybackResult:
    listed: int = 0  # captures of the overview and country pages in the index
    known: int = 0  # of those, already kept by an earlier backfill: not fetched again
    fetched: int = 0  # raw captures read from the archive
    reused: int = 0  # captures whose digest was read already: not fetched again
    skipped: Counter[str] = field(default_factory=Counter)  # unusable captures, by reason
    requests: dict[str, int] = field(default_factory=dict)  # requests sent, by kind (cdx, capture)
    refusals: int = 0  # 429 and 503 answers waited out
    runs_partial: int = 0  # runs lacking a country page within the window
    backfill: BackfillResult = field(default_factory=BackfillResult)

    @property
    def runs_by_year(self) -> dict[int, int]:
        years: Counter[int] = Counter(r.started_at.year for r in self.backfill.runs)
        return dict(sorted(years.items()))


def index_prefix(start_url: str) -> str:
    """What the index is asked for: the overview's host (without `www.`) and path; its country pages
    (`?country=...`) and every spelling of scheme, `www.` and port fall under it."""
    parts = urlsplit(start_url)
    return site_host(start_url) + parts.path.rstrip("/")


def country_key(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A country page's identity: its country id in any case, dashed or not, and its other query."""
    query = parse_qsl(urlsplit(url).query)
    country = next((v for k, v in query if k == "country"), "")
    rest = tuple(sorted((k, v) for k, v in query if k != "country"))
    return country.strip().replace("-", "").lower(), rest


def _page_key(row: CdxRow | StoredCapture, kind: str) -> tuple[str, object]:
    # the same page whatever its scheme, `www.` or port: the overview is one page, a country one each
    return (kind, country_key(row.original) if kind == "country" else None)


def judge(kind: str, status: int, body: bytes, url: str, content_type: str | None) -> str | None:
    """Why a capture cannot stand for its page, or None when it can."""
    if 300 <= status < 400:
        return f"redirect ({status})"
    if status != 200:
        return f"archive answered {status}"
    encoding = _charset(content_type)
    try:
        if kind == "overview":
            if not parse_overview(body, url, encoding).countries:
                return "error page (no country links)"
        elif parse_country(body, url, encoding) is None:
            return "error page (no cluster table)"
    except LayoutChanged:
        return "layout not read by this version"
    except PageUnreadable:
        return "unreadable page"
    return None


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None


def reason_of(skipped: str) -> str:
    """The reason a skip is counted under: its words before any detail in brackets."""
    return skipped.split(" (", 1)[0]


class _Fetcher:
    """Reads the listed captures the warehouse lacks, keeping each as it arrives."""

    def __init__(
        self, db: Path, settings: Settings, client: ArchiveClient, result: WaybackResult, on: Progress
    ) -> None:
        self.db, self.settings, self.client, self.result, self.on = db, settings, client, result, on
        # (page, digest) -> (sha256, content type, skipped): an unchanged page is fetched once
        self.by_digest: dict[tuple[object, str], tuple[str | None, str | None, str | None]] = {}

    def remember(self, captures: list[StoredCapture]) -> None:
        for c in captures:
            if c.digest and (c.sha256 or c.skipped):
                self.by_digest[(_page_key(c, c.kind), c.digest)] = (c.sha256, c.content_type, c.skipped)

    def take(self, row: CdxRow, kind: str) -> None:
        archive_url = self.client.capture_url(row)
        key = (_page_key(row, kind), row.digest)
        body: bytes | None = None
        sha: str | None
        content_type: str | None
        skipped: str | None  # why the capture is not used; None: it is
        status = int(row.statuscode) if row.statuscode.isdigit() else None
        if status is not None and 300 <= status < 400:
            sha, content_type, skipped = None, None, f"redirect ({status})"  # no need to read it
        elif row.digest and key in self.by_digest:
            sha, content_type, skipped = self.by_digest[key]
            self.result.reused += 1
            self.on("reused", 1)
        else:
            answer = self.client.get(archive_url, "capture")
            self.result.fetched += 1
            self.on("fetched", 1)
            content_type = answer.headers.get("content-type")
            skipped = judge(kind, answer.status, answer.body, row.original, content_type)
            status = answer.status if status is None or answer.status != 200 else status
            sha = hashlib.sha256(answer.body).hexdigest() if skipped is None else None
            body = answer.body if skipped is None else None
            if row.digest:
                self.by_digest[key] = (sha, content_type, skipped)
        if skipped is not None:
            self.on("skipped", 1)
        capture = StoredCapture(
            archive_url, row.original, row.captured_at, kind, status, row.digest or None, sha, content_type,
            utcnow(), skipped,
        )  # fmt: skip
        with closing(open_when_free(self.db, self.settings.busy_timeout)) as con:
            store_capture(con, capture, body)


def list_and_fetch(
    db: Path,
    settings: Settings,
    client: ArchiveClient,
    since: dt.date | None,
    until: dt.date | None,
    on: Progress,
) -> WaybackResult:
    """List the captures in the archive's index and keep those the warehouse lacks."""
    result = WaybackResult()
    with closing(open_when_free(db, settings.busy_timeout)) as con:
        kept = stored_captures(con)
    have = {c.archive_url for c in kept}
    fetcher = _Fetcher(db, settings, client, result, on)
    fetcher.remember(kept)
    window = dt.timedelta(days=settings.wayback_window_days)
    # country pages a little outside the dates still complete the runs at their edges
    wide_since = since - window if since is not None else None
    wide_until = until + window if until is not None else None
    for row in client.list_captures(index_prefix(settings.start_url), wide_since, wide_until):
        kind = page_kind(row.original, settings.start_url)
        if kind not in ("overview", "country") or site_host(row.original) != site_host(settings.start_url):
            continue
        result.listed += 1
        on("listed", 1)
        if client.capture_url(row) in have:
            result.known += 1
            continue
        fetcher.take(row, kind)
        have.add(client.capture_url(row))
    return result


def _nearest(candidates: list[StoredCapture], at: dt.datetime, window: dt.timedelta) -> StoredCapture | None:
    near = [c for c in candidates if abs(c.captured_at - at) <= window]
    return min(near, key=lambda c: (abs(c.captured_at - at), c.captured_at), default=None)


def assemble(
    captures: list[StoredCapture],
    body: Callable[[str], bytes | None],
    window: dt.timedelta,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> tuple[list[ArchivedRun], int]:
    """One run per UTC day with a usable overview capture (between `since` and `until`), each with the
    nearest capture of every country page it links; and how many runs lack a country page."""
    usable = [c for c in captures if c.skipped is None and c.sha256 is not None]
    countries: dict[tuple[str, tuple[tuple[str, str], ...]], list[StoredCapture]] = {}
    for c in usable:
        if c.kind == "country":
            countries.setdefault(country_key(c.original), []).append(c)
    days: dict[dt.date, StoredCapture] = {}
    for c in usable:
        day = c.captured_at.date()
        if c.kind == "overview" and day not in days and _within(c, since, until):
            days[day] = c
    runs, partial = [], 0
    for overview in days.values():
        page = body(overview.sha256 or "")
        if page is None:
            continue
        fetches = [_fetch(1, overview, overview.original)]
        lacking = False
        for link in parse_overview(page, overview.original, _charset(overview.content_type)).countries:
            country = country_key(link.url)[0]
            first = _nearest(countries.get((country, ()), []), overview.captured_at, window)
            if first is None:
                lacking = True  # replayed as a page the archive did not keep: the run is partial
                continue
            fetches.append(_fetch(len(fetches) + 1, first, link.url))
            for key in sorted(k for k in countries if k[0] == country and k[1]):  # further pages of its list
                more = _nearest(countries[key], overview.captured_at, window)
                if more is not None:
                    fetches.append(_fetch(len(fetches) + 1, more, more.original))
        partial += lacking
        runs.append(
            ArchivedRun(
                started_at=overview.captured_at,
                start_url=overview.original,
                source="wayback",
                source_name=overview.archive_url,
                fetches=fetches,
            )
        )
    return runs, partial


def _fetch(seq: int, c: StoredCapture, requested: str) -> Fetch:
    # the page's own URL answers (links resolve against it), asked for as the overview links it
    return Fetch(seq, c.original, requested, c.kind, c.status or 200, c.content_type, c.captured_at, c.sha256)


def backfill_wayback(
    settings: Settings,
    since: dt.date | None = None,
    until: dt.date | None = None,
    client: ArchiveClient | None = None,
    on_progress: Progress | None = None,
    on_run: Callable[[ReplayedRun], None] | None = None,
) -> WaybackResult:
    """List, fetch and keep the archive's captures of the site, then load them as runs in time order;
    Refused before asking the archive anything for a file no command may write (a published copy)."""
    db = Path(settings.db)
    writable_warehouse(db)
    client = client or ArchiveClient(
        settings.wayback_url,
        settings.user_agent,
        polite=settings.polite,
        timeout=settings.download_timeout,
        max_bytes=settings.max_page_bytes,
    )
    on = on_progress or (lambda step, n: None)
    try:
        result = list_and_fetch(db, settings, client, since, until, on)
    finally:
        counted = dict(client.requests)
    result.requests, result.refusals = counted, client.refusals
    with closing(open_when_free(db, settings.busy_timeout)) as con:
        captures = stored_captures(con)
        result.skipped = Counter(reason_of(c.skipped) for c in captures if c.skipped and _within(c, since, until))
        window = dt.timedelta(days=settings.wayback_window_days)
        runs, result.runs_partial = assemble(captures, lambda sha: read_body(con, sha), window, since, until)
        bodies = {f.sha256: read_body(con, f.sha256) for run in runs for f in run.fetches if f.sha256}
    result.backfill = backfill_runs(
        db,
        runs,
        {sha: b for sha, b in bodies.items() if b is not None},
        lock_wait=settings.lock_wait,
        busy_timeout=settings.busy_timeout,
        on_run=on_run,
        max_rejected_share=settings.max_rejected_share,
        same_run=_same_overview,
    )
    result.backfill.captures = result.listed
    on("loaded", len(result.backfill.runs))
    return result


def _within(c: StoredCapture, since: dt.date | None, until: dt.date | None) -> bool:
    day = c.captured_at.date()
    return (since is None or day >= since) and (until is None or day <= until)


def _same_overview(run: ArchivedRun, known: set[tuple[str, dt.datetime, str | None]]) -> bool:
    # a run is its overview capture: nearer country captures found later do not make it a new run
    first = run.fetches[0]
    return (first.requested_url, first.fetched_at, first.sha256) in known
