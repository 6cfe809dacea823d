"""A Wayback-compatible web archive on loopback, holding captures of the bundled demo snapshots.

It answers as the Internet Archive does, for what a backfill asks: the CDX index
(`/cdx/search/cdx`: url, matchType, output json or plain, fl, from, to, filter, collapse, limit,
showResumeKey and resumeKey) and raw captures (`/web/<timestamp>id_/<original URL>`), a capture
that was a redirect answering with its redirect. Used by `ecei demo serve --wayback`, the tests and
the bench; `refusals` makes it answer 429 (with or without Retry-After) before it answers.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from crawler.archive_pages import page_kind
from ecei.demo.mirror import OVERVIEW_PATH, SNAPSHOT_DATES, demo_site, serving

# the live site's address: the stand-in holds captures of it, as the Internet Archive does
LIVE_SITE = "https://www.cluster-analysis.org"
CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
NOT_FOUND_PAGE = (
    b"<html><head><title>Page not found</title></head><body><h1>Page not found</h1>"
    b"<p>The page you are looking for does not exist.</p></body></html>"
)


def surt(url: str) -> str:
    """The index key of a URL, as the archive canonicalises it: scheme, `www.`, a default port and
    letter case do not matter."""
    text = url.strip()
    parts = urlsplit(text if "://" in text else "http://" + text)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = "" if parts.port in (None, 80, 443) else f":{parts.port}"
    key = ",".join(reversed(host.split("."))) + port + ")" + (parts.path or "/")
    return (key + (f"?{parts.query}" if parts.query else "")).lower()


def timestamp(at: dt.datetime) -> str:
    return at.strftime("%Y%m%d%H%M%S")


@dataclass
class ArchivedCapture:
    """One capture the archive holds: a page's body at a time, or the redirect it answered then."""

    at: dt.datetime
    original: str
    body: bytes = b""
    status: int = 200
    location: str | None = None
    mimetype: str = "text/html"

    @property
    def timestamp(self) -> str:
        return timestamp(self.at)

    @property
    def digest(self) -> str:
        return base64.b32encode(hashlib.sha1(self.body).digest()).decode()  # the archive's own digest

    def cdx(self) -> dict[str, str]:
        return {
            "urlkey": surt(self.original),
            "timestamp": self.timestamp,
            "original": self.original,
            "mimetype": self.mimetype,
            "statuscode": str(self.status),
            "digest": self.digest,
            "length": str(len(self.body)),
        }


def snapshot_pages(snapshot: str) -> dict[str, bytes]:
    """Path (with query) -> body of each overview and country page of a bundled snapshot."""
    folder = demo_site(snapshot)
    routes: dict[str, str] = json.loads((folder / "routes.json").read_text())
    return {
        path: (folder / name).read_bytes()
        for path, name in routes.items()
        if page_kind(path, OVERVIEW_PATH) in ("overview", "country") and not path.endswith("/")
    }


def snapshot_captures(
    snapshot: str,
    at: dt.datetime,
    site: str = LIVE_SITE,
    gap: dt.timedelta = dt.timedelta(seconds=1),
    left_out: Sequence[str] = (),
) -> list[ArchivedCapture]:
    """The overview of `snapshot` captured at `at` under `site`, its country pages `gap` apart after
    it, except the paths `left_out`."""
    pages = sorted(snapshot_pages(snapshot).items(), key=lambda p: ("country=" in p[0], p[0]))
    kept = [(path, body) for path, body in pages if path not in left_out]
    return [ArchivedCapture(at + i * gap, site + path, body) for i, (path, body) in enumerate(kept)]


def demo_captures(site: str = LIVE_SITE) -> list[ArchivedCapture]:
    """The three demo snapshots at their own dates, as `ecei demo serve --wayback` serves them."""
    return [c for snapshot, at in SNAPSHOT_DATES.items() for c in snapshot_captures(snapshot, at, site)]


@dataclass
class Refusal:
    """A 429 answered instead of the request, `times` times, with this Retry-After (None: no header)."""

    retry_after: str | None = None
    times: int = 1


@dataclass
class StandIn:
    captures: list[ArchivedCapture]
    # 'cdx', or a capture's path (/web/<ts>id_/<url>): answered 429 first
    refusals: dict[str, Refusal] = field(default_factory=dict)
    # capture paths that never answer (a backfill to be killed waits there)
    hang: set[str] = field(default_factory=set)
    # (time.monotonic() on arrival, 'cdx' or 'capture', path) of every request
    arrivals: list[tuple[float, str, str]] = field(default_factory=list)
    user_agents: set[str] = field(default_factory=set)
    server: ThreadingHTTPServer | None = None
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host = self.server.server_address[0]
        assert isinstance(host, str)  # bytes only for a socket family other than the IPv4 one served on
        return f"http://{host}:{self.server.server_port}"

    def requested(self, kind: str) -> list[str]:
        return [path for _, k, path in self.arrivals if k == kind]

    def cdx_rows(self, params: dict[str, list[str]]) -> tuple[list[dict[str, str]], str | None]:
        """The rows a CDX query selects, and the resume key of the page after them (if asked for)."""
        one = {k: v[-1] for k, v in params.items()}
        key = surt(one.get("url", ""))
        if one.get("matchType", "exact") == "prefix" or one.get("url", "").endswith("*"):
            key = key.rstrip("*")
            rows = [c.cdx() for c in self.captures if c.cdx()["urlkey"].startswith(key)]
        else:
            rows = [c.cdx() for c in self.captures if c.cdx()["urlkey"] == key]
        rows.sort(key=lambda r: (r["urlkey"], r["timestamp"]))
        low, high = one.get("from", "").ljust(14, "0"), one.get("to", "").ljust(14, "9")
        rows = [r for r in rows if (not one.get("from") or r["timestamp"] >= low)]
        rows = [r for r in rows if (not one.get("to") or r["timestamp"] <= high)]
        for rule in params.get("filter", []):
            rows = [r for r in rows if _passes(r, rule)]
        for rule in params.get("collapse", []):
            rows = _collapse(rows, rule)
        if one.get("resumeKey"):
            after = one["resumeKey"]
            rows = [r for r in rows if f"{r['urlkey']} {r['timestamp']}" > after]
        limit = int(one["limit"]) if one.get("limit", "").lstrip("-").isdigit() else None
        resume = None
        if limit is not None and 0 < limit < len(rows):
            rows = rows[:limit]
            if one.get("showResumeKey") == "true":
                resume = f"{rows[-1]['urlkey']} {rows[-1]['timestamp']}"
        return rows, resume

    def capture(self, ts: str, original: str) -> ArchivedCapture | None:
        exact = [c for c in self.captures if c.timestamp == ts and c.original == original]
        same = [c for c in self.captures if c.timestamp == ts and surt(c.original) == surt(original)]
        return next(iter(exact or same), None)


def _passes(row: dict[str, str], rule: str) -> bool:
    negate = rule.startswith("!")
    name, _, pattern = rule.lstrip("!").partition(":")
    matched = re.fullmatch(pattern, row.get(name, "")) is not None
    return matched != negate


def _collapse(rows: list[dict[str, str]], rule: str) -> list[dict[str, str]]:
    # as the CDX server does: of adjacent rows equal in the field (or its first N characters), the first
    name, _, width = rule.partition(":")
    cut = int(width) if width.isdigit() else None
    kept: list[dict[str, str]] = []
    last = None
    for r in rows:
        value = r.get(name, "")[:cut]
        if value != last:
            kept.append(r)
        last = value
    return kept


_CAPTURE = re.compile(r"^/web/(\d{1,14})id_/(.+)$")


def _handler(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _refused(self, key: str) -> bool:
            refusal = standin.refusals.get(key)
            if refusal is None or refusal.times <= 0:
                return False
            refusal.times -= 1
            headers = {"Content-Type": "text/plain"}
            if refusal.retry_after is not None:
                headers["Retry-After"] = refusal.retry_after
            self._send(429, b"Too Many Requests", headers)
            return True

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            kind = "cdx" if parts.path == "/cdx/search/cdx" else "capture"
            standin.arrivals.append((time.monotonic(), kind, self.path))
            standin.user_agents.add(self.headers.get("User-Agent", ""))
            if kind == "cdx":
                if not self._refused("cdx"):
                    self._cdx(parse_qs(parts.query, keep_blank_values=True))
                return
            if self._refused(self.path):
                return
            if self.path in standin.hang:
                standin.stopping.wait(3600)
                return
            match = _CAPTURE.match(self.path)
            found = standin.capture(match[1], match[2]) if match else None
            if found is None:
                self._send(404, b"not in the archive", {"Content-Type": "text/plain"})
                return
            headers = {"Content-Type": f"{found.mimetype}; charset=utf-8"}
            if found.location is not None:
                headers["Location"] = found.location
            self._send(found.status, found.body, headers)

        def _cdx(self, params: dict[str, list[str]]) -> None:
            rows, resume = standin.cdx_rows(params)
            fields = [f for f in params.get("fl", [",".join(CDX_FIELDS)])[-1].split(",") if f] or list(CDX_FIELDS)
            table = [[r.get(f, "") for f in fields] for r in rows]
            if params.get("output", [""])[-1] == "json":
                document: list[list[str]] = [fields, *table] if table else []
                if resume is not None:
                    document += [[], [resume]]
                body = json.dumps(document).encode()
                self._send(200, body, {"Content-Type": "application/json"})
                return
            lines = [" ".join(r) for r in table] + (["", resume] if resume is not None else [])
            self._send(200, "".join(f"{line}\n" for line in lines).encode(), {"Content-Type": "text/plain"})

    return Handler


@contextmanager
def serve_archive(
    captures: Sequence[ArchivedCapture] | None = None, port: int = 0, host: str = "127.0.0.1"
) -> Iterator[StandIn]:
    """Serve the captures (default: the demo snapshots at their dates) on loopback until the block ends."""
    standin = StandIn(list(demo_captures() if captures is None else captures))
    standin.server = ThreadingHTTPServer((host, port), _handler(standin))
    with serving(standin.server, "ecei-wayback", standin.stopping):
        yield standin
