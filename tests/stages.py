"""Staged folders for tests, written by the stage's own writer from the items a crawl yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crawler.items import CountryPageItem, OverviewItem, PageFailure
from crawler.pages import CountryLink, RawRow
from pipelines.dedupe_rows import Seen, dedupe_page
from pipelines.stage import RunStage
from pipelines.validate_rows import validate_page

SITE = "http://127.0.0.1:1/benchmarked-clusters"


def link(country_id: str, name: str) -> CountryLink:
    return CountryLink(country_id, name, f"{SITE}/?country={country_id}")


def raw_rows(count: int, start: int = 1) -> list[RawRow]:
    """`count` good rows, named `Cluster <n>`, numbered from `start`."""
    return [
        RawRow(n, f"Cluster {n}", "Health", f"cluster{n}.example.org", None, "2030/01/31")
        for n in range(start, start + count)
    ]


def country_page(country: CountryLink, rows: list[RawRow], page: int = 1) -> CountryPageItem:
    url = country.url if page == 1 else f"{country.url}&page={page}"
    return CountryPageItem(url=url, country_id=country.country_id, country=country.name, headers=[], rows=rows)


def failure(country: CountryLink | None, reason: str) -> PageFailure:
    if country is None:
        return PageFailure(SITE, None, None, reason)
    return PageFailure(country.url, country.country_id, country.name, reason)


@dataclass
class Crawl:
    """What one crawl read: its overview (stated total and countries, the links) and its pages."""

    stated_total: int | None
    links: list[CountryLink]
    stated_countries: int | None = None
    pages: list[CountryPageItem | PageFailure] = field(default_factory=list)
    overview_failed: str | None = None  # the reason, when the overview could not be read

    def stage(self, folder: Path) -> Path:
        """Validate, dedupe and stage the crawl into `folder`, as the item pipelines do."""
        seen: Seen = {}
        with RunStage(folder) as out:
            if self.overview_failed is not None:
                out.add(failure(None, self.overview_failed))
                return folder
            stated_countries = len(self.links) if self.stated_countries is None else self.stated_countries
            out.add(OverviewItem(SITE, self.stated_total, stated_countries, self.links, 0))
            for item in self.pages:
                if isinstance(item, CountryPageItem):
                    validate_page(item)
                    dedupe_page(item, seen)
                out.add(item)
        return folder
