"""Validate every row of a country page against the ClusterRow contract."""

from __future__ import annotations

from typing import Any, Self

from pydantic import ValidationError
from scrapy.crawler import Crawler

from crawler.items import CountryPageItem
from crawler.pages import RawRow
from pipelines.contract import ClusterRow, reasons


def raw_values(item: CountryPageItem, row: RawRow) -> dict[str, Any]:
    """The row as the page showed it, which is what the quarantine keeps."""
    raw: dict[str, Any] = {
        "country": item.country,
        "country_id": item.country_id,
        "name": row.name,
        "portfolio": row.portfolio,
        "www": row.www,
        "www_href": row.www_href,
        "valid_until": row.valid_until,
    }
    if row.extra_cells:
        raw["extra_cells"] = row.extra_cells
    return raw


def validate_page(item: CountryPageItem) -> None:
    """Fill the page's `accepted` and `rejected` rows and count its unusable websites.

    A plain function so that a replay of archived pages validates with exactly this code.
    """
    for row in item.rows:
        problems = []
        if None in (row.name, row.portfolio, row.www, row.valid_until):
            problems.append("row has fewer cells than the header")
        if row.extra_cells:
            problems.append(f"row has {len(row.extra_cells)} cell(s) more than the header")
        website = row.www_href if row.www_href is not None else row.www
        try:
            cluster = ClusterRow(
                country=item.country,
                country_id=item.country_id,
                name=row.name,
                portfolio=row.portfolio,
                valid_until=row.valid_until,
                website=website,
            )
        except ValidationError as exc:
            problems.insert(0, reasons(exc))
            cluster = None
        if problems or cluster is None:
            raw = raw_values(item, row)
            item.rejected.append({"row_number": row.row_number, "raw": raw, "reason": "; ".join(problems)})
            continue
        if cluster.website is None and website is not None and website.strip():
            item.websites_invalid += 1
        item.accepted.append({"row_number": row.row_number, "row": cluster})


class ValidateRowsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, CountryPageItem):
            return item
        validate_page(item)
        self.stats.inc_value("ecei/rows_invalid", len(item.rejected))
        self.stats.inc_value("ecei/websites_invalid", item.websites_invalid)
        return item
