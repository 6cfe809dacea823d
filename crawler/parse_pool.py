"""Large country pages parsed in worker processes, so that a crawl of a big registry uses every
core: the crawl process fetches, dedupes and stages while the workers parse and validate pages.

Only a page of at least `LARGE_PAGE` bytes goes to a worker: the real site's pages are a few
kilobytes, and for them starting a process would cost more than it saves. Given a check (the
pipelines' validation, named by its import path so that this package does not import the
pipelines), the worker runs it on the rows it parsed, so that they cross between processes once.
The worker returns plain tuples, which cross several times cheaper than dataclasses.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import fields
from operator import attrgetter
from typing import Any

from crawler.pages import CountryTable, LayoutChanged, PageUnreadable, RawRow, parse_country
from crawler.workers import WorkerDied, Workers

logger = logging.getLogger(__name__)

LARGE_PAGE = 256 * 1024
# a country page with this many rows is about LARGE_PAGE long
LARGE_PAGE_ROWS = 1000
_RAW_FIELDS = attrgetter(*(f.name for f in fields(RawRow)))  # a RawRow as a tuple of its fields, in order


# the check's import path, and the country and country id it is given with the rows
Check = tuple[str, str, str]


def _parse(html: bytes, url: str, encoding: str | None, check: Check | None) -> tuple[Any, ...]:
    """parse_country in the worker, its outcome as tuples: ('table', ...), ('layout', ...), ..."""
    try:
        table = parse_country(html, url, encoding)
    except LayoutChanged as exc:
        return ("layout", exc.headers)
    except PageUnreadable as exc:
        return ("unreadable", exc.why)
    if table is None:
        return ("none",)
    checked, failed = None, None
    if check is not None and not table.cut_off:  # a page cut off is not loaded: no use checking it
        path, country, country_id = check
        module, _, name = path.rpartition(".")
        try:
            checked = getattr(importlib.import_module(module), name)(country, country_id, table.rows)
        except Exception as exc:  # the page is still read: the pipeline checks it instead, and says why
            failed = f"{type(exc).__name__}: {exc}"
    rows = list(map(_RAW_FIELDS, table.rows))
    return ("table", table.headers, rows, table.more_pages, table.cut_off, checked, failed)


class ParsePool:
    """parse_country, in a worker process for large pages; in this process for the others."""

    def __init__(self, workers: int, check: str | None = None) -> None:
        self.workers = Workers(workers)
        self.check = check  # import path of f(country, country_id, rows), whose result is `table.checked`

    def start(self) -> None:
        """Start the workers before the first large page comes (the overview says it will)."""
        # scrapy.http too: crawler.pages.page_text decodes a page's bytes with it, in the worker
        modules = ["crawler.pages", "scrapy.http"] + ([self.check.rpartition(".")[0]] if self.check else [])
        self.workers.start(*modules)

    async def parse_country(
        self, html: bytes, url: str, encoding: str | None, country: tuple[str, str] | None = None
    ) -> CountryTable | None:
        """The page's table; given the page's (country, country id), checked too if it went to a worker."""
        if self.workers.count < 1 or len(html) < LARGE_PAGE:
            return parse_country(html, url, encoding)
        check = (self.check, *country) if self.check and country else None
        try:
            outcome = await self.workers.run(_parse, html, url, encoding, check)
        except WorkerDied as exc:
            # this page fails with that reason; the next large page gets a new worker
            raise PageUnreadable(url, f"the process parsing it died ({exc})") from exc
        if outcome[0] == "layout":
            raise LayoutChanged(url, outcome[1])
        if outcome[0] == "unreadable":
            raise PageUnreadable(url, outcome[1])
        if outcome[0] == "none":
            return None
        _, headers, rows, more_pages, cut_off, checked, failed = outcome
        if failed is not None:
            logger.warning("the worker could not check %s (%s): the crawl process checks it", url, failed)
        return CountryTable(headers, [RawRow(*r) for r in rows], more_pages, cut_off, checked)

    def close(self) -> None:
        self.workers.close()
