"""Large country pages parsed in a worker process, so that a crawl of a big registry uses a second
core: the crawl process validates, dedupes and stages one page while the worker parses the next.

Only a page of at least `LARGE_PAGE` bytes goes to the worker: the real site's pages are a few
kilobytes, and for them starting a process would cost more than it saves. The worker returns plain
tuples, which cross the process boundary several times cheaper than dataclasses.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from crawler.pages import CountryTable, LayoutChanged, PageUnreadable, RawRow, parse_country

LARGE_PAGE = 256 * 1024


def _exit_with_parent(parent: int) -> None:
    # a worker whose crawl process was killed must not outlive it
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _parse(html: bytes, url: str, encoding: str | None) -> tuple[Any, ...]:
    """parse_country in the worker, its outcome as tuples: ('table', ...), ('layout', ...), ..."""
    try:
        table = parse_country(html, url, encoding)
    except LayoutChanged as exc:
        return ("layout", exc.headers)
    except PageUnreadable as exc:
        return ("unreadable", exc.why)
    if table is None:
        return ("none",)
    rows = [tuple(vars(r).values()) for r in table.rows]  # RawRow's fields, in their order
    return ("table", table.headers, rows, table.more_pages, table.cut_off)


class ParsePool:
    """parse_country, in a worker process for large pages; in this process for the others."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    async def parse_country(self, html: bytes, url: str, encoding: str | None) -> CountryTable | None:
        if self.workers < 1 or len(html) < LARGE_PAGE:
            return parse_country(html, url, encoding)
        if self.pool is None:
            # spawn, not fork: the crawl process runs threads (DNS) a fork would copy mid-flight
            self.pool = ProcessPoolExecutor(
                self.workers, multiprocessing.get_context("spawn"), _exit_with_parent, (os.getpid(),)
            )
        try:
            outcome = await asyncio.wrap_future(self.pool.submit(_parse, html, url, encoding))
        except BrokenProcessPool as exc:
            # the worker died (killed, out of memory): this page fails with that reason, and the
            # next large page gets a new worker
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
            raise PageUnreadable(url, f"the process parsing it died ({exc})") from exc
        if outcome[0] == "layout":
            raise LayoutChanged(url, outcome[1])
        if outcome[0] == "unreadable":
            raise PageUnreadable(url, outcome[1])
        if outcome[0] == "none":
            return None
        _, headers, rows, more_pages, cut_off = outcome
        return CountryTable(headers, [RawRow(*r) for r in rows], more_pages, cut_off)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
