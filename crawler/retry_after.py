"""Retry 429 and 503 answers no sooner than their Retry-After header asks (Scrapy retries at once).

The wait is an awaited sleep on the reactor's loop, so other requests go on meanwhile. A server
asking for longer than ECEI_MAX_RETRY_AFTER is not retried early: the page fails (the run is
partial) rather than knocking again before the server said it was ready.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
from typing import TYPE_CHECKING, Self

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: bytes | str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date), None if unusable."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """RetryMiddleware that waits out Retry-After on 429/503 before the retry is sent."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("ECEI_MAX_RETRY_AFTER", 60.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    # a coroutine, which Scrapy takes from a downloader middleware; its base class declares a plain method
    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if (
            request.meta.get("dont_retry", False)
            or response.status not in RETRY_AFTER_STATUSES
            or response.status not in self.retry_http_codes
        ):
            return super().process_response(request, response)
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return super().process_response(request, response)
        stats = self.crawler.stats
        if wait > self.max_wait:
            logger.warning(
                "Not retrying %(request)s: the server asks to wait %(wait).0f s, more than ECEI_MAX_RETRY_AFTER "
                "(%(max).0f s)",
                {"request": request, "wait": wait, "max": self.max_wait},
            )
            if stats:
                stats.inc_value("ecei/retry_after/too_long")
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if stats:
            stats.inc_value("ecei/retry_after/waits")
            # inc_value is declared for whole counts; the seconds waited are not
            waited = stats.get_value("ecei/retry_after/seconds", 0.0) + wait
            stats.set_value("ecei/retry_after/seconds", waited)
        logger.info(
            "Waiting %(wait).1f s (Retry-After) before retrying %(request)s", {"wait": wait, "request": request}
        )
        await sleep(wait)
        return retry
