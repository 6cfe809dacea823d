"""Write what the crawl read to the run's stage folder, for the warehouse to merge in one go.

The crawl never opens the warehouse: it stages JSON lines, and the merge reads them afterwards.
`RunStage` does the writing without Scrapy, so that a replay of archived pages stages the same files.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

import orjson

from crawler.items import CountryPageItem, OverviewItem, PageFailure

if TYPE_CHECKING:  # the merge reads the file names below without importing Scrapy
    from scrapy.crawler import Crawler

ROWS = "rows.jsonl"
REJECTED = "rejected.jsonl"
PAGES = "pages.jsonl"


class RunStage:
    """The stage folder of one run: rows, quarantine and one record per page, as JSON lines."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, IO[str]] = {}

    def open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in (REJECTED, PAGES):
            self.files[name] = (self.folder / name).open("w", encoding="utf-8")
        # the rows are most of what a crawl stages: written as bytes by orjson, several times json's pace
        self.rows = (self.folder / ROWS).open("wb")

    def close(self) -> None:
        for f in self.files.values():
            f.close()
        self.rows.close()

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _page(self, record: dict[str, Any]) -> None:
        self.files[PAGES].write(json.dumps(record, ensure_ascii=False) + "\n")
        self.files[PAGES].flush()

    def add(self, item: Any) -> dict[str, Any] | None:
        """Stage one item; returns the progress event it makes, if any."""
        if isinstance(item, OverviewItem):
            self._page({"kind": "overview", **asdict(item)})
            return {"event": "overview", "countries": len(item.countries), "stated": item.stated_total}
        if isinstance(item, PageFailure):
            self._page({"kind": "failure", **asdict(item)})
            return {"event": "page", "url": item.url, "ok": False, "reason": item.reason}
        if isinstance(item, CountryPageItem):
            self._stage_country(item)
            return {"event": "page", "url": item.url, "ok": True, "country": item.country, "rows": len(item.rows)}
        return None

    def _stage_country(self, item: CountryPageItem) -> None:
        # each record is ClusterRow.record(), a JSON object: the page's URL and the row's number go in front
        url = orjson.dumps(item.url)
        lines = [b'{"page_url":%b,"row_number":%d,%b' % (url, e.row_number, e.record[1:]) for e in item.accepted]
        if lines:
            self.rows.write(b"\n".join(lines) + b"\n")
        rejected = self.files[REJECTED]
        for r in item.rejected:
            rejected.write(json.dumps({"page_url": item.url, **r}, ensure_ascii=False) + "\n")
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


class StageRunPipeline:
    def __init__(self, crawler: Crawler, folder: Path, progress: bool) -> None:
        self.stats = crawler.stats
        self.stage = RunStage(folder)
        self.progress = progress

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        folder = crawler.settings.get("ECEI_STAGE_DIR")
        if not folder:
            raise ValueError("ECEI_STAGE_DIR is not set: the crawl has nowhere to stage its rows")
        return cls(crawler, Path(folder), crawler.settings.getbool("ECEI_PROGRESS"))

    def open_spider(self) -> None:
        self.stage.open()

    def close_spider(self) -> None:
        self.stage.close()

    def process_item(self, item: Any) -> Any:
        event = self.stage.add(item)
        if isinstance(item, PageFailure):
            self.stats.inc_value("ecei/pages_failed")
        elif isinstance(item, CountryPageItem):
            self.stats.inc_value("ecei/rows_seen", len(item.rows))
            self.stats.inc_value("ecei/rows_loaded", len(item.accepted))
            self.stats.inc_value("ecei/rows_rejected", len(item.rejected))
        # progress goes to stdout for the parent process; Scrapy's log goes to stderr
        if self.progress and event is not None:
            sys.stdout.write(json.dumps(event) + "\n")
            sys.stdout.flush()
        return item
