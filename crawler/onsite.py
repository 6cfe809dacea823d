"""Refuse every request off the start URL's site, redirects and `dont_filter` requests included.

Scrapy's OffsiteMiddleware lets `dont_filter` requests through (and a redirect keeps that flag),
and it compares host names only; this one compares host and port and has no exception.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.pages import same_site

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request

logger = logging.getLogger(__name__)


class OnSiteMiddleware:
    def __init__(self, crawler: Crawler, site_url: str) -> None:
        self.stats = crawler.stats
        self.site_url = site_url

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        site_url = crawler.settings.get("ECEI_SITE_URL")
        if not site_url:
            raise NotConfigured("ECEI_SITE_URL is not set")
        return cls(crawler, site_url)

    def process_request(self, request: Request) -> None:
        if same_site(request.url, self.site_url):
            return
        if self.stats:
            self.stats.inc_value("ecei/offsite_refused")
        logger.warning("Refused a request off the site: %(url)s", {"url": request.url})
        raise IgnoreRequest(f"off the site: {request.url}")
