"""Keep every answer the crawl receives, robots.txt included, in the stage folder: the raw page archive.

The middleware sits between RetryMiddleware (550) and HttpCompressionMiddleware (590): it sees each
body decompressed, every attempt a retry discards, and every download error, while redirects are
already followed (it records the URL first requested). Bodies go to `<bodies>/<sha256>`, one line
per answer to the fetches file, both named by the caller (ECEI_BODIES, ECEI_FETCHES: the stage's
layout is `pipelines/stage.py`'s, which also reads them back); the warehouse loads both with the
run's merge.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

ORDER = 585


def page_kind(url: str, start_url: str) -> str:
    """'robots', 'country', 'overview' or 'other', by path and query; host and scheme do not matter."""
    parts = urlsplit(url)
    if parts.path == "/robots.txt":
        return "robots"
    if any(v.strip() for v in parse_qs(parts.query).get("country", [])):
        return "country"
    if parts.path.rstrip("/") == urlsplit(start_url).path.rstrip("/"):
        return "overview"
    return "other"


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()


class ArchivePagesMiddleware:
    def __init__(self, crawler: Crawler, fetches: Path, bodies: Path) -> None:
        self.crawler = crawler
        self.fetches = fetches
        self.bodies = bodies
        self.seq = 0
        self.index: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        fetches, bodies = crawler.settings.get("ECEI_FETCHES"), crawler.settings.get("ECEI_BODIES")
        if not fetches or not bodies:
            raise ValueError("ECEI_FETCHES or ECEI_BODIES is not set: the crawl has nowhere to keep its pages")
        from scrapy import signals  # here, so that importing this module does not import Scrapy

        middleware = cls(crawler, Path(fetches), Path(bodies))
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        return middleware

    def close(self) -> None:
        if self.index is not None:
            self.index.close()
            self.index = None

    def _write(self, request: Request, record: dict[str, Any]) -> None:
        if self.index is None:
            self.bodies.mkdir(parents=True, exist_ok=True)
            self.index = self.fetches.open("a", encoding="utf-8")
        self.seq += 1
        start_url = getattr(self.crawler.spider, "start_url", "")
        requested = (request.meta.get("redirect_urls") or [request.url])[0]
        record = {
            "seq": self.seq,
            "url": record.pop("url", request.url),
            "requested_url": requested,
            "kind": page_kind(requested, start_url),
            "fetched_at": _now(),
            **record,
        }
        # flushed line by line: a crawl killed by its time limit still leaves what it fetched
        self.index.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.index.flush()

    def process_response(self, request: Request, response: Response) -> Response:
        body = response.body
        sha = hashlib.sha256(body).hexdigest()
        path = self.bodies / sha
        content_type = response.headers.get(b"Content-Type")
        self._write(
            request,
            {
                "url": response.url,
                "status": response.status,
                "content_type": content_type.decode("latin-1") if content_type is not None else None,
                "sha256": sha,
                "size": len(body),
                "error": None,
            },
        )
        if not path.exists():
            path.write_bytes(body)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        # no answer: kept as a fetch without a body, so a replay knows why the page is missing
        error = str(exception) or type(exception).__name__
        self._write(request, {"status": None, "content_type": None, "sha256": None, "size": None, "error": error})
