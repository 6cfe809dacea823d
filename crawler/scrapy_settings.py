"""The Scrapy settings of a crawl, derived from its CrawlConfig."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.settings import default_settings

from crawler.archive_pages import ORDER as ARCHIVE_ORDER
from crawler.config import CrawlConfig

# Scrapy components these settings turn off (cookies, the telnet console, remote control)
_UNUSED = {
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.remote_control.RemoteControl",
}


def _without(components: dict[str, int], unused: set[str]) -> dict[str, int]:
    return {k: v for k, v in components.items() if k not in unused}


def scrapy_settings(
    config: CrawlConfig, stage_dir: Path, progress: bool = False, parent_pid: int | None = None
) -> dict[str, Any]:
    polite = config.polite
    return {
        "BOT_NAME": "ecei-watch",
        "USER_AGENT": config.user_agent,
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": config.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrent_requests,
        "DOWNLOAD_DELAY": config.download_delay if polite else 0,
        "RANDOMIZE_DOWNLOAD_DELAY": polite,
        "AUTOTHROTTLE_ENABLED": polite,
        "AUTOTHROTTLE_START_DELAY": max(config.download_delay, 1.0),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_TIMEOUT": config.download_timeout,
        # bounds the body as received and, in HttpCompressionMiddleware, as decompressed: a gzip bomb
        # stops at the limit (Scrapy's default is 1 GiB)
        "DOWNLOAD_MAXSIZE": config.max_page_bytes,
        "DOWNLOAD_WARNSIZE": config.max_page_bytes // 2,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": config.retry_times,
        "CLOSESPIDER_TIMEOUT": config.crawl_timeout,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "HTTPCACHE_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": {
            # host and port of the start URL only, with no exception for dont_filter or redirects
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "crawler.onsite.OnSiteMiddleware": 50,
            # waits out Retry-After on 429/503 before retrying
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.retry_after.RetryAfterMiddleware": 550,
            # keeps every answer, retried ones and robots.txt included, for the page archive
            "crawler.archive_pages.ArchivePagesMiddleware": ARCHIVE_ORDER,
        },
        "EXTENSIONS": {"crawler.orphan_guard.OrphanGuard": 0},
        # Scrapy imports every component it is told of, even one set to None: components that are
        # turned off above are taken out of its defaults, so that start-up does not import them
        # (aiohttp, tldextract: a third of a second)
        "EXTENSIONS_BASE": _without(default_settings.EXTENSIONS_BASE, _UNUSED),
        "DOWNLOADER_MIDDLEWARES_BASE": _without(default_settings.DOWNLOADER_MIDDLEWARES_BASE, _UNUSED),
        "ECEI_SITE_URL": config.start_url,
        "ECEI_MAX_RETRY_AFTER": config.max_retry_after,
        "ECEI_PARENT_PID": parent_pid or 0,
        "ITEM_PIPELINES": {
            "pipelines.validate_rows.ValidateRowsPipeline": 100,
            "pipelines.dedupe_rows.DedupeRowsPipeline": 200,
            "pipelines.stage_run.StageRunPipeline": 900,
        },
        # a large page is validated by the worker that parsed it (crawler/parse_pool.py)
        "ECEI_PAGE_CHECK": "pipelines.validate_rows.check_in_worker",
        # the pipelines stage into the folder (pipelines/stage.py); the page archive writes the files
        # its caller named
        "ECEI_STAGE_DIR": str(stage_dir),
        "ECEI_FETCHES": str(stage_dir / config.outputs.fetches),
        "ECEI_BODIES": str(stage_dir / config.outputs.bodies),
        "ECEI_PROGRESS": progress,
    }
