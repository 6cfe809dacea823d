"""What the spider yields: pages as they were read, before any cleaning."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.pages import CountryLink, RawRow


@dataclass
class OverviewItem:
    url: str
    stated_total: int | None
    stated_countries: int | None
    countries: list[CountryLink]
    offsite_links: int


@dataclass
class CountryPageItem:
    """A country page and its table rows; the pipelines fill `accepted`, `rejected` and `duplicates`."""

    url: str
    country_id: str
    country: str
    headers: list[str]
    rows: list[RawRow]
    # the verdict on the rows, when the worker that parsed the page also validated it (ECEI_PAGE_CHECK)
    checked: Any = None
    accepted: list[Any] = field(default_factory=list)  # pipelines.validate_rows.AcceptedRow
    rejected: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0
    websites_invalid: int = 0


@dataclass
class PageFailure:
    """A page that was linked but could not be read: its country is incomplete."""

    url: str
    country_id: str | None
    country: str | None
    reason: str
