"""Write what the crawl read to the run's stage folder, for the warehouse to merge in one go.

The crawl never opens the warehouse: it stages JSON lines, and the merge reads them afterwards.
The writing is `pipelines.stage.RunStage`'s, without Scrapy, so that a replay of archived pages
stages the same files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from crawler.items import CountryPageItem, PageFailure
from pipelines.stage import RunStage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


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
