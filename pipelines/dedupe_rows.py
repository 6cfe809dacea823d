"""Keep one copy of a row a page repeats; quarantine a second row that claims the same cluster."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler

from crawler.items import CountryPageItem
from pipelines.contract import ClusterRow
from pipelines.validate_rows import raw_values


def dedupe_page(item: CountryPageItem) -> int:
    """Drop exact repeats among the page's accepted rows (counted in `duplicates`) and quarantine a
    second row with the same key but other values; returns how many were quarantined so.

    A plain function so that a replay of archived pages dedupes with exactly this code.
    """
    first: dict[tuple[str, str], tuple[int, ClusterRow]] = {}
    kept = []
    rows_by_number = {r.row_number: r for r in item.rows}
    for entry in item.accepted:
        row: ClusterRow = entry["row"]
        seen = first.get(row.key)
        if seen is None:
            first[row.key] = (entry["row_number"], row)
            kept.append(entry)
        elif seen[1] == row:
            item.duplicates += 1
        else:
            item.rejected.append(
                {
                    "row_number": entry["row_number"],
                    "raw": raw_values(item, rows_by_number[entry["row_number"]]),
                    "reason": f"duplicate key: row {seen[0]} names the same cluster with other values",
                }
            )
    duplicate_keys = len(item.accepted) - len(kept) - item.duplicates
    item.accepted = kept
    item.rejected.sort(key=lambda r: r["row_number"])
    return duplicate_keys


class DedupeRowsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, CountryPageItem):
            return item
        duplicate_keys = dedupe_page(item)
        self.stats.inc_value("ecei/rows_duplicate", item.duplicates)
        self.stats.inc_value("ecei/rows_duplicate_key", duplicate_keys)
        return item
