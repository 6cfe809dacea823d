"""The Scrapy settings of a crawl, derived from ecei-watch's Settings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.settings import default_settings

from crawler.archive_pages import ORDER as ARCHIVE_ORDER

if TYPE_CHECKING:  # the crawl process is given the settings' plain values (crawler/run.py)
    from ecei.settings import Settings

# Scrapy components these settings turn off (cookies, the telnet console, remote control)
_UNUSED = {
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.remote_control.RemoteControl",
}


def _without(components: dict[str, int], unused: set[str]) -> dict[str, int]:
    return {k: v for k, v in components.items() if k not in unused}


def scrapy_settings(
    settings: Settings, stage_dir: Path, progress: bool = False, parent_pid: int | None = None
) -> dict[str, Any]:
    polite = settings.polite
    return {
        "BOT_NAME": "ecei-watch",
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": settings.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.concurrent_requests,
        "DOWNLOAD_DELAY": settings.download_delay if polite else 0,
        "RANDOMIZE_DOWNLOAD_DELAY": polite,
        "AUTOTHROTTLE_ENABLED": polite,
        "AUTOTHROTTLE_START_DELAY": max(settings.download_delay, 1.0),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_TIMEOUT": settings.download_timeout,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": settings.retry_times,
        "CLOSESPIDER_TIMEOUT": settings.crawl_timeout,
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
        "ECEI_SITE_URL": settings.start_url,
        "ECEI_MAX_RETRY_AFTER": settings.max_retry_after,
        "ECEI_PARENT_PID": parent_pid or 0,
        "ITEM_PIPELINES": {
            "pipelines.validate_rows.ValidateRowsPipeline": 100,
            "pipelines.dedupe_rows.DedupeRowsPipeline": 200,
            "pipelines.stage_run.StageRunPipeline": 900,
        },
        # a large page is validated by the worker that parsed it (crawler/parse_pool.py)
        "ECEI_PAGE_CHECK": "pipelines.validate_rows.check_in_worker",
        "ECEI_STAGE_DIR": str(stage_dir),
        "ECEI_PROGRESS": progress,
    }
