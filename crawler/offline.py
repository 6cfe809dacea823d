"""Run the spider over stored answers instead of the network: how a replay re-reads an archived run.

The spider's own callbacks do the reading, exactly as in a crawl: its start request, then every
request it yields, answered from the store. A non-2xx answer goes to its errback as Scrapy's
HttpError middleware would send it, a stored download error as the failure it was.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.spider import BronzeLabelSpider


@dataclass
class StoredAnswer:
    """What a URL answered in the run being replayed: a response, or the error that came instead."""

    url: str
    status: int | None
    content_type: str | None
    body: bytes | None
    error: str | None = None


class StoredFailure(Exception):
    """A download error as the archive recorded it (its message is what the crawl reported)."""


def drain(agen: AsyncGenerator[Any, None]) -> list[Any]:
    # the spider's start() and its country callback (which parses in this process when it has no
    # parse workers) yield without awaiting anything: step them by hand, so that a replay needs no
    # event loop (and works inside one, e.g. a Prefect flow)
    out = []
    while True:
        step = agen.__anext__()
        try:
            step.send(None)
        except StopIteration as done:
            out.append(done.value)
            continue
        except StopAsyncIteration:
            return out
        step.close()
        raise RuntimeError("the spider awaited something: it cannot be replayed offline")


def _response(request: scrapy.Request, answer: StoredAnswer) -> Response:
    headers = Headers({"Content-Type": answer.content_type} if answer.content_type else {})
    body = answer.body or b""
    cls = responsetypes.from_args(headers=headers, url=answer.url, body=body)
    return cls(url=answer.url, status=answer.status or 200, headers=headers, body=body, request=request)


def _failed(request: scrapy.Request, exc: Exception) -> Any:
    """What the request's errback makes of the failure; nothing without one (Scrapy only logs it)."""
    if request.errback is None:
        return ()
    failure = Failure(exc)
    failure.request = request  # type: ignore[attr-defined]  # as Scrapy's engine sets it
    return request.errback(failure)


def crawl_stored(
    start_url: str,
    answer: Callable[[str], StoredAnswer | None],
    missing: str | None = None,
) -> tuple[list[Any], str | None]:
    """The items the spider yields over the stored answers, and the layout error that stopped it.

    A request the store has no answer for yields nothing (the crawl never fetched it), or, when
    `missing` is given, a failure with that reason.
    """
    spider = BronzeLabelSpider(start_url=start_url, workers=0)
    queue: deque[scrapy.Request] = deque(drain(spider.start()))
    items: list[Any] = []
    while queue:
        request = queue.popleft()
        stored = answer(request.url)
        try:
            if stored is None:
                if missing is None:
                    continue
                out: Iterable[Any] = _failed(request, StoredFailure(missing))
            elif stored.status is None:
                out = _failed(request, StoredFailure(stored.error or "no answer"))
            elif 200 <= stored.status < 300:
                assert request.callback is not None
                out = request.callback(_response(request, stored), **request.cb_kwargs)
            else:
                response = _response(request, stored)
                out = _failed(request, HttpError(response, "Ignoring non-200 response"))
            if isinstance(out, AsyncGenerator):
                out = drain(out)
            for thing in out or ():
                if isinstance(thing, scrapy.Request):
                    queue.append(thing)
                else:
                    items.append(thing)
        except CloseSpider:
            return items, spider.layout_error
    return items, None
