"""The spider's callbacks on stored pages: what it yields and what it follows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse

from crawler.items import CountryPageItem, OverviewItem, PageFailure
from crawler.pages import CountryLink
from crawler.spider import BronzeLabelSpider
from ecei.demo.mirror import demo_site
from tests.conftest import NORWAY, expected_rows, file_response

START = "http://127.0.0.1:8765/benchmarked-clusters"
SITE = demo_site("2021-09")


def collect(out: AsyncIterator[Any]) -> list[Any]:
    """What an async callback yields."""

    async def run() -> list[Any]:
        return [x async for x in out]

    return asyncio.run(run())


def spider() -> BronzeLabelSpider:
    return BronzeLabelSpider(start_url=START)


def test_allowed_domains_is_the_start_host() -> None:
    assert spider().allowed_domains == ["127.0.0.1"]
    assert BronzeLabelSpider(start_url="https://www.cluster-analysis.org/x").allowed_domains == ["cluster-analysis.org"]


def test_overview_yields_item_then_one_request_per_country() -> None:
    out = list(spider().parse_overview(file_response(SITE / "overview.html", START)))
    assert isinstance(out[0], OverviewItem)
    requests = [o for o in out if isinstance(o, scrapy.Request)]
    assert len(requests) == 4
    assert all(r.url.startswith("http://127.0.0.1:8765/benchmarked-clusters/?country=") for r in requests)
    assert {r.cb_kwargs["link"].name for r in requests} == {"Italy", "Norway", "Poland", "Spain"}


def test_country_page_carries_country_from_link() -> None:
    link = CountryLink(NORWAY, "Norway", f"{START}/?country={NORWAY}")
    out = collect(spider().parse_country(file_response(SITE / "country" / f"{NORWAY}.html", link.url), link))
    assert len(out) == 1
    item = out[0]
    assert isinstance(item, CountryPageItem)
    shown = [r for r in expected_rows("2021-09") if r["country"] == "Norway"]
    assert (item.country, item.country_id, len(item.rows)) == ("Norway", NORWAY, len(shown))
    assert [r.name for r in item.rows] == [r["name"] for r in shown]


def test_country_page_without_table_is_a_failure() -> None:
    link = CountryLink("x", "X", START + "/?country=x")
    response = HtmlResponse(url=link.url, body=b"<html><body>down for maintenance</body></html>")
    out = collect(spider().parse_country(response, link))
    assert isinstance(out[0], PageFailure) and out[0].country == "X"


def test_layout_change_closes_the_spider() -> None:
    link = CountryLink("x", "X", START + "/?country=x")
    body = b"<table><tr><th>Name</th><th>Portfolio</th><th>www</th><th>Label valid until</th></tr></table>"
    s = spider()
    with pytest.raises(CloseSpider):
        collect(s.parse_country(HtmlResponse(url=link.url, body=body), link))
    assert s.layout_error is not None and "'Portfolio'" in s.layout_error
