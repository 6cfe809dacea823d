"""Keep one copy of a row the site repeats; quarantine a second row that claims the same cluster.

The memory spans the whole crawl, so a repeat on another page of the same country (a paginated
list, or the country linked twice) is caught as well as one on the same page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from crawler.items import CountryPageItem
from pipelines.contract import ClusterRow
from pipelines.validate_rows import raw_values

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class DedupeRowsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.first: dict[tuple[str, str], tuple[str, int, ClusterRow]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, CountryPageItem):
            return item
        kept = []
        rows_by_number = {r.row_number: r for r in item.rows}
        for entry in item.accepted:
            row: ClusterRow = entry["row"]
            seen = self.first.get(row.key)
            if seen is None:
                self.first[row.key] = (item.url, entry["row_number"], row)
                kept.append(entry)
            elif seen[2] == row:
                item.duplicates += 1
            else:
                where = f"row {seen[1]}" if seen[0] == item.url else f"row {seen[1]} of {seen[0]}"
                item.rejected.append(
                    {
                        "row_number": entry["row_number"],
                        "raw": raw_values(item, rows_by_number[entry["row_number"]]),
                        "reason": f"duplicate key: {where} names the same cluster with other values",
                    }
                )
        self.stats.inc_value("ecei/rows_duplicate", item.duplicates)
        self.stats.inc_value("ecei/rows_duplicate_key", len(item.accepted) - len(kept) - item.duplicates)
        item.accepted = kept
        item.rejected.sort(key=lambda r: r["row_number"])
        return item
