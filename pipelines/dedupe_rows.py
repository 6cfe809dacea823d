"""Keep one copy of a row the site repeats; quarantine a second row that claims the same cluster.

The memory spans the whole crawl, so a repeat on another page of the same country (a paginated
list, or the country linked twice) is caught as well as one on the same page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from crawler.items import CountryPageItem
from crawler.pages import RawRow
from pipelines.validate_rows import raw_values

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


# key -> (page URL, row number, staged record) of the first row with that key
Seen = dict[tuple[str, str], tuple[str, int, bytes]]


def dedupe_page(item: CountryPageItem, seen: Seen) -> int:
    """Drop exact repeats among the page's accepted rows (counted in `duplicates`) and quarantine a
    second row with the same key but other values; returns how many were quarantined so.

    `seen` carries the first row of every key across the pages of one crawl. A plain function so
    that a replay of archived pages dedupes with exactly this code.
    """
    kept = []
    rows_by_number: dict[int, RawRow] = {}  # filled when a clash first needs a row as the page showed it
    for entry in item.accepted:
        first = seen.get(entry.key)
        if first is None:
            seen[entry.key] = (item.url, entry.row_number, entry.record)
            kept.append(entry)
        elif first[2] == entry.record:
            item.duplicates += 1
        else:
            where = f"row {first[1]}" if first[0] == item.url else f"row {first[1]} of {first[0]}"
            rows_by_number = rows_by_number or {r.row_number: r for r in item.rows}
            item.rejected.append(
                {
                    "row_number": entry.row_number,
                    "raw": raw_values(item, rows_by_number[entry.row_number]),
                    "reason": f"duplicate key: {where} names the same cluster with other values",
                }
            )
    duplicate_keys = len(item.accepted) - len(kept) - item.duplicates
    item.accepted = kept
    item.rejected.sort(key=lambda r: r["row_number"])
    return duplicate_keys


class DedupeRowsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.seen: Seen = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, CountryPageItem):
            return item
        duplicate_keys = dedupe_page(item, self.seen)
        self.stats.inc_value("ecei/rows_duplicate", item.duplicates)
        self.stats.inc_value("ecei/rows_duplicate_key", duplicate_keys)
        return item
