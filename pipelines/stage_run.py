"""Write what the crawl read to the run's stage folder, for the warehouse to merge in one go.

The crawl never opens the warehouse: it stages JSON lines, and the merge reads them afterwards.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

from crawler.items import CountryPageItem, OverviewItem, PageFailure

if TYPE_CHECKING:  # the merge reads the file names below without importing Scrapy
    from scrapy.crawler import Crawler

ROWS = "rows.jsonl"
REJECTED = "rejected.jsonl"
PAGES = "pages.jsonl"


class StageRunPipeline:
    def __init__(self, crawler: Crawler, folder: Path, progress: bool) -> None:
        self.stats = crawler.stats
        self.folder = folder
        self.progress = progress
        self.files: dict[str, IO[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        folder = crawler.settings.get("ECEI_STAGE_DIR")
        if not folder:
            raise ValueError("ECEI_STAGE_DIR is not set: the crawl has nowhere to stage its rows")
        return cls(crawler, Path(folder), crawler.settings.getbool("ECEI_PROGRESS"))

    def open_spider(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in (ROWS, REJECTED, PAGES):
            self.files[name] = (self.folder / name).open("w", encoding="utf-8")

    def close_spider(self) -> None:
        for f in self.files.values():
            f.close()

    def _emit(self, event: dict[str, Any]) -> None:
        # progress goes to stdout for the parent process; Scrapy's log goes to stderr
        if self.progress:
            sys.stdout.write(json.dumps(event) + "\n")
            sys.stdout.flush()

    def _page(self, record: dict[str, Any]) -> None:
        self.files[PAGES].write(json.dumps(record, ensure_ascii=False) + "\n")
        self.files[PAGES].flush()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, OverviewItem):
            self._page({"kind": "overview", **asdict(item)})
            self._emit({"event": "overview", "countries": len(item.countries), "stated": item.stated_total})
        elif isinstance(item, PageFailure):
            self.stats.inc_value("ecei/pages_failed")
            self._page({"kind": "failure", **asdict(item)})
            self._emit({"event": "page", "url": item.url, "ok": False, "reason": item.reason})
        elif isinstance(item, CountryPageItem):
            self._stage_country(item)
        return item

    def _stage_country(self, item: CountryPageItem) -> None:
        rows = self.files[ROWS]
        for entry in item.accepted:
            row = entry["row"]
            country_key, name_key = row.key
            rows.write(
                json.dumps(
                    {
                        "page_url": item.url,
                        "row_number": entry["row_number"],
                        "country": row.country,
                        "country_id": row.country_id,
                        "name": row.name,
                        "portfolio": row.portfolio,
                        "website": row.website,
                        "valid_until": row.valid_until.isoformat(),
                        "country_key": country_key,
                        "name_key": name_key,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
        rejected = self.files[REJECTED]
        for r in item.rejected:
            rejected.write(json.dumps({"page_url": item.url, **r}, ensure_ascii=False) + "\n")
        self.stats.inc_value("ecei/rows_seen", len(item.rows))
        self.stats.inc_value("ecei/rows_loaded", len(item.accepted))
        self.stats.inc_value("ecei/rows_rejected", len(item.rejected))
        self._page(
            {
                "kind": "country",
                "url": item.url,
                "country_id": item.country_id,
                "country": item.country,
                "headers": item.headers,
                "rows_seen": len(item.rows),
                "rows_loaded": len(item.accepted),
                "rows_rejected": len(item.rejected),
                "rows_duplicate": item.duplicates,
                "websites_invalid": item.websites_invalid,
            }
        )
        self._emit({"event": "page", "url": item.url, "ok": True, "country": item.country, "rows": len(item.rows)})
