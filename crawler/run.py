"""Run one crawl in this process and stage it: `python -m crawler.run CONFIG.json STAGE_DIR [PARENT_PID]`.

A Twisted reactor cannot be restarted, so every crawl gets a process of its own; the caller
(ecei.refresh.run) writes its `CrawlConfig` to CONFIG.json, starts it and reads the stage folder
afterwards. Given PARENT_PID, the crawl ends itself when that process dies.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

from crawler.config import CrawlConfig


def crawl(
    config: CrawlConfig, stage_dir: Path, progress: bool = False, parent_pid: int | None = None
) -> dict[str, object]:
    """Crawl once into `stage_dir` and return the crawl's summary (also written to the stage folder)."""
    # imported here, not above: a parse worker process imports this module as its __main__ and
    # needs none of Scrapy (crawler/parse_pool.py)
    from scrapy.crawler import AsyncCrawlerProcess

    from crawler.scrapy_settings import scrapy_settings
    from crawler.spider import BronzeLabelSpider

    stage_dir.mkdir(parents=True, exist_ok=True)
    process = AsyncCrawlerProcess(scrapy_settings(config, stage_dir, progress, parent_pid), install_root_handler=True)
    crawler = process.create_crawler(BronzeLabelSpider)
    process.crawl(crawler, start_url=config.start_url, workers=config.parse_workers)
    # what start-up built lives as long as the crawl: the collector need not walk it again and again
    gc.freeze()
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    spider = crawler.spider
    summary = {
        "finish_reason": stats.get("finish_reason"),
        "layout_error": getattr(spider, "layout_error", None),
        "pages_fetched": stats.get("response_received_count", 0),
        "robots_fetched": stats.get("robotstxt/response_count", 0),
        "stats": {k: v for k, v in stats.items() if isinstance(v, int | float | str)},
    }
    (stage_dir / config.outputs.summary).write_text(json.dumps(summary, indent=1, default=str))
    return summary


def main(argv: list[str]) -> int:
    config_path, stage_dir = Path(argv[0]), Path(argv[1])
    parent_pid = int(argv[2]) if len(argv) > 2 else None
    # plain values the parent validated: the crawl process need not import pydantic-settings, a
    # fifth of a second of its start-up
    crawl(CrawlConfig.from_json(config_path.read_text()), stage_dir, progress=True, parent_pid=parent_pid)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
