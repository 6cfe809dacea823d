"""The one spider: the overview, then every country page it links to."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from typing import Any, Self
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure
from w3lib.encoding import http_content_type_encoding

from crawler.items import CountryPageItem, OverviewItem, PageFailure
from crawler.pages import CountryLink, LayoutChanged, PageUnreadable, parse_overview, site_host
from crawler.parse_pool import LARGE_PAGE_ROWS, ParsePool


def header_charset(response: Response) -> str | None:
    """The charset the Content-Type header declares, or None: the page's text is found from it by
    crawler.pages.page_text, after the byte order mark and before the page's own declaration."""
    declared = response.headers.get(b"Content-Type") or b""
    return http_content_type_encoding(declared.decode("latin-1"))


def _over_size(failure: Failure) -> bool:
    """The download stopped at DOWNLOAD_MAXSIZE: as received (the download handler cancels it) or
    as decompressed (HttpCompressionMiddleware ignores it); Scrapy says so only in its message."""
    if not failure.check(DownloadCancelledError, IgnoreRequest):
        return False
    message = failure.getErrorMessage()
    return "DOWNLOAD_MAXSIZE" in message or "download max size" in message


class BronzeLabelSpider(scrapy.Spider):
    name = "bronze_label"

    def __init__(self, start_url: str, workers: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url
        if not urlsplit(start_url).hostname:
            raise ValueError(f"start URL has no host: {start_url!r}")
        # the offsite middleware drops any request to another host, cluster websites included;
        # the bare domain admits its www. form too, which the site has used interchangeably
        self.allowed_domains = [site_host(start_url)]
        self.layout_error: str | None = None
        self.pages = ParsePool(workers)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.pages.check = crawler.settings.get("ECEI_PAGE_CHECK")
        return spider

    def closed(self, reason: str) -> None:
        self.pages.close()

    async def start(self) -> AsyncGenerator[Any, None]:
        yield scrapy.Request(self.start_url, callback=self.parse_overview, errback=self.page_failed, dont_filter=True)

    def parse_overview(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, scrapy.http.TextResponse):
            yield PageFailure(response.url, None, None, f"overview is not text ({response.status})")
            return
        try:
            overview = parse_overview(response.body, response.url, header_charset(response))
        except PageUnreadable as exc:
            yield PageFailure(response.url, None, None, str(exc))
            return
        stated, countries = overview.stated_total, overview.stated_countries
        if stated and countries and stated / countries >= LARGE_PAGE_ROWS:
            self.pages.start()  # large country pages will come: their workers start while the rest loads
        yield OverviewItem(
            url=response.url,
            stated_total=overview.stated_total,
            stated_countries=overview.stated_countries,
            countries=overview.countries,
            offsite_links=overview.offsite_links,
        )
        for link in overview.countries:
            yield scrapy.Request(
                link.url,
                callback=self.parse_country,
                errback=self.page_failed,
                cb_kwargs={"link": link},
                dont_filter=True,
            )

    async def parse_country(self, response: Response, link: CountryLink) -> AsyncGenerator[Any, None]:
        try:
            table = await self.pages.parse_country(
                response.body, response.url, header_charset(response), (link.name, link.country_id)
            )
        except LayoutChanged as exc:
            self.layout_error = str(exc)
            raise CloseSpider("layout_changed") from exc
        except PageUnreadable as exc:
            yield PageFailure(response.url, link.country_id, link.name, str(exc))
            return
        if table is None:
            why = "the page is empty" if not response.body.strip() else "no cluster table on the page"
            yield PageFailure(response.url, link.country_id, link.name, why)
            return
        if table.cut_off:
            # a body cut short still parses; its last rows are missing or cut mid-cell, so none is trusted
            yield PageFailure(
                response.url,
                link.country_id,
                link.name,
                f"the page is cut off inside its cluster table (after {len(table.rows)} rows)",
            )
            return
        yield CountryPageItem(
            url=response.url,
            country_id=link.country_id,
            country=link.name,
            headers=table.headers,
            rows=table.rows,
            checked=table.checked,
        )
        for url in table.more_pages:
            # a paginated list: every page belongs to the country; the dupe filter stops loops
            yield scrapy.Request(url, callback=self.parse_country, errback=self.page_failed, cb_kwargs={"link": link})

    def page_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]  # Scrapy sets it on what it hands an errback
        link: CountryLink | None = request.cb_kwargs.get("link")
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        if _over_size(failure):
            limit = request.meta.get("download_maxsize", self.settings.getint("DOWNLOAD_MAXSIZE"))
            reason = f"the page is larger than the page size limit of {limit} bytes (ECEI_MAX_PAGE_BYTES): {reason}"
        yield PageFailure(
            request.url,
            link.country_id if link else None,
            link.name if link else None,
            reason or type(failure.value).__name__,
        )
