"""A polite client of a Wayback-compatible web archive: its CDX index and its raw captures.

The Internet Archive publishes its limits: 30 requests a minute to the CDX index, and well under
10 a second to the captures; a client past them is answered 429 and, if it insists, blocked for an
hour. Every request of a kind waits until its interval has passed since the last one, and a 429 (or
503) waits its Retry-After, a minute when none is given. EDGI's `wayback` package would do this,
but its archive address is a module constant, and the tests need a stand-in on loopback: the
standard library is enough for two GET requests. All waits go through `sleep`, and time through
`clock`, so that the tests see the waits without waiting them.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Protocol
from urllib.parse import urlencode

from crawler.retry_after import retry_after_seconds

# the Internet Archive's published limits, kept well within
# s between two index requests: under 30 a minute even when the network bunches two of them up
CDX_INTERVAL = 2.1
CAPTURE_INTERVAL = 1 / 4  # s between two capture requests: 4 a second, well under 10
DEFAULT_RETRY_AFTER = 60.0  # s waited after a 429 that names no time
MAX_REFUSALS = 5  # 429s in a row for one request before the backfill gives up (it resumes when run again)
CDX_PAGE = 1000  # rows per index request; the rest follows by resume key
CDX_FIELDS = ("timestamp", "original", "statuscode", "mimetype", "digest")


class ArchiveError(Exception):
    """The archive could not be read (unreachable, kept refusing, answered nonsense)."""


@dataclass(frozen=True)
class CdxRow:
    """One capture as the CDX index lists it."""

    timestamp: str  # 14 digits, UTC
    original: str
    statuscode: str  # '200', '301', ... or '-' for a revisit record
    mimetype: str
    digest: str

    @property
    def captured_at(self) -> dt.datetime:
        return dt.datetime.strptime(self.timestamp.ljust(14, "0")[:14], "%Y%m%d%H%M%S")


class _Readable(Protocol):
    """An answer's body as urllib gives it: a reply, or an HTTPError (which is one too)."""

    def read(self, size: int, /) -> bytes: ...


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Pace:
    """Spaces the requests of one kind `interval` seconds apart, on `clock`, waiting with `sleep`."""

    interval: float
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    last: float | None = None

    def wait(self) -> None:
        if self.last is not None:
            due = self.last + self.interval - self.clock()
            if due > 0:
                self.sleep(due)
        self.last = self.clock()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # a capture that was a redirect is what the archive kept: it is read, not followed
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def retry_after(value: str | None, now: dt.datetime) -> float:
    """Seconds a Retry-After header asks for (crawler.retry_after reads it, as for the site); a minute
    when none is given or it cannot be read."""
    seconds = retry_after_seconds(value, now)
    return DEFAULT_RETRY_AFTER if seconds is None else seconds


@dataclass
class ArchiveClient:
    """GET requests to one archive (`base`, e.g. https://web.archive.org), paced unless `polite` is off."""

    base: str
    user_agent: str
    polite: bool = True
    timeout: float = 30.0
    max_bytes: int = 64 * 2**20
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    page_size: int = CDX_PAGE
    requests: dict[str, int] = field(default_factory=lambda: {"cdx": 0, "capture": 0})
    # (clock() when sent, kind) of every request: how closely they followed each other
    sent: list[tuple[float, str]] = field(default_factory=list)
    refusals: int = 0  # 429 and 503 answers waited out
    _paces: dict[str, Pace] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.base = self.base.rstrip("/")
        intervals = {"cdx": CDX_INTERVAL, "capture": CAPTURE_INTERVAL} if self.polite else {"cdx": 0, "capture": 0}
        self._paces = {kind: Pace(gap, self.clock, self.sleep) for kind, gap in intervals.items()}
        self._opener = urllib.request.build_opener(_NoRedirect())

    def capture_url(self, row: CdxRow) -> str:
        """Where the raw capture is read: the page as the archive kept it, without its own markup."""
        return f"{self.base}/web/{row.timestamp}id_/{row.original}"

    def get(self, url: str, kind: str) -> Answer:
        """One GET, paced as `kind` ('cdx' or 'capture'); 429 and 503 are waited out and asked again."""
        for _ in range(MAX_REFUSALS + 1):
            self._paces[kind].wait()
            self.requests[kind] += 1
            self.sent.append((self.clock(), kind))
            answer = self._get_once(url)
            if answer.status not in (429, 503):
                return answer
            self.refusals += 1
            # the archive asked to slow down: honoured even when politeness is off
            self.sleep(retry_after(answer.headers.get("retry-after"), self.now()))
        raise ArchiveError(f"{self.base} kept answering {answer.status} to {url}: try again later")

    def _get_once(self, url: str) -> Answer:
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with self._opener.open(request, timeout=self.timeout) as reply:
                return Answer(reply.status, _headers(reply.headers), self._read(reply, url))
        except urllib.error.HTTPError as exc:
            with exc:
                return Answer(exc.code, _headers(exc.headers), self._read(exc, url))
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ArchiveError(f"{self.base} cannot be reached ({reason})") from exc

    def _read(self, reply: _Readable, url: str) -> bytes:
        body = reply.read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise ArchiveError(f"{url} is larger than {self.max_bytes} bytes (ECEI_MAX_PAGE_BYTES)")
        return body

    def list_captures(self, url: str, since: dt.date | None, until: dt.date | None) -> Iterator[CdxRow]:
        """Every capture under `url` (a prefix: the overview and its country pages), page by page."""
        params: dict[str, str] = {
            "url": url,
            "matchType": "prefix",
            "output": "json",
            "fl": ",".join(CDX_FIELDS),
            # captures of error answers are not the page: the index leaves them out
            "filter": "!statuscode:[45]..",
            "limit": str(self.page_size),
            "showResumeKey": "true",
        }
        if since is not None:
            params["from"] = since.strftime("%Y%m%d")
        if until is not None:
            params["to"] = until.strftime("%Y%m%d") + "235959"
        resume: str | None = None
        while True:
            query = {**params, **({"resumeKey": resume} if resume else {})}
            answer = self.get(f"{self.base}/cdx/search/cdx?{urlencode(query)}", "cdx")
            if answer.status != 200:
                raise ArchiveError(f"the archive's index answered {answer.status} to {url}")
            rows, resume = parse_cdx_json(answer.body)
            yield from rows
            if not resume:
                return


def parse_cdx_json(body: bytes) -> tuple[list[CdxRow], str | None]:
    """The rows of one page of CDX JSON output, and its resume key (None on the last page)."""
    if not body.strip():
        return [], None
    try:
        table = json.loads(body)
    except ValueError as exc:
        raise ArchiveError(f"the archive's index answered something that is not JSON ({exc})") from exc
    if not table:
        return [], None
    header, *rest = table
    resume = None
    if len(rest) >= 2 and rest[-2] == [] and len(rest[-1]) == 1:
        resume, rest = rest[-1][0], rest[:-2]
    try:
        at = [header.index(name) for name in CDX_FIELDS]
    except ValueError as exc:
        raise ArchiveError(f"the archive's index lacks a field: {exc}") from exc
    return [CdxRow(*(str(r[i]) for i in at)) for r in rest if r], resume


def _headers(headers: Message | None) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()} if headers is not None else {}
