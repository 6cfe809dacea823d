"""The Scrapy settings a CrawlConfig makes: manners, the order of the middlewares the page archive
relies on, and the files the crawl writes where the stage reads them."""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import Settings as ScrapySettings
from scrapy.utils.conf import build_component_list

from crawler.config import CrawlConfig
from crawler.scrapy_settings import scrapy_settings
from pipelines.stage import CRAWL_OUTPUTS, Stage


def config(polite: bool = True, download_delay: float = 0.25, crawl_timeout: float = 900.0) -> CrawlConfig:
    return CrawlConfig(
        start_url="http://127.0.0.1:8000/benchmarked-clusters",
        user_agent="ecei-watch/test",
        retry_times=2,
        download_timeout=7.5,
        concurrent_requests=2,
        polite=polite,
        download_delay=download_delay,
        crawl_timeout=crawl_timeout,
        parse_workers=0,
        max_retry_after=12.0,
        max_page_bytes=2**20,
        outputs=CRAWL_OUTPUTS,
    )


def scrapy(cfg: CrawlConfig, stage: Path = Path("/stage"), parent_pid: int | None = None) -> ScrapySettings:
    return ScrapySettings(scrapy_settings(cfg, stage, parent_pid=parent_pid))


def test_polite_crawl_waits_and_throttles() -> None:
    s = scrapy(config(polite=True, download_delay=0.25))
    assert s.getfloat("DOWNLOAD_DELAY") == 0.25
    assert s.getbool("AUTOTHROTTLE_ENABLED") and s.getbool("RANDOMIZE_DOWNLOAD_DELAY")
    # AutoThrottle starts no faster than a second a page, whatever the configured delay
    assert s.getfloat("AUTOTHROTTLE_START_DELAY") == 1.0


def test_impolite_crawl_neither_waits_nor_throttles_but_still_obeys_robots_txt() -> None:
    s = scrapy(config(polite=False, download_delay=3.0))
    assert s.getfloat("DOWNLOAD_DELAY") == 0
    assert not s.getbool("AUTOTHROTTLE_ENABLED") and not s.getbool("RANDOMIZE_DOWNLOAD_DELAY")
    assert s.getbool("ROBOTSTXT_OBEY")


def test_config_values_reach_scrapy() -> None:
    s = scrapy(config(crawl_timeout=42.0))
    assert s.get("USER_AGENT") == "ecei-watch/test"
    assert (s.getint("RETRY_TIMES"), s.getfloat("DOWNLOAD_TIMEOUT")) == (2, 7.5)
    assert s.getint("CONCURRENT_REQUESTS") == s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert s.getfloat("CLOSESPIDER_TIMEOUT") == 42.0
    assert s.get("ECEI_SITE_URL") == "http://127.0.0.1:8000/benchmarked-clusters"
    assert s.getfloat("ECEI_MAX_RETRY_AFTER") == 12.0
    # HttpCompressionMiddleware holds a decompressed body to DOWNLOAD_MAXSIZE too
    assert s.getint("DOWNLOAD_MAXSIZE") == 2**20


def test_the_crawl_writes_its_own_files_where_the_stage_reads_them(tmp_path: Path) -> None:
    s = scrapy(config(), tmp_path)
    stage = Stage(tmp_path)
    assert Path(s.get("ECEI_STAGE_DIR")) == stage.folder
    assert Path(s.get("ECEI_FETCHES")) == stage.fetches
    assert Path(s.get("ECEI_BODIES")) == stage.bodies
    assert stage.folder / config().outputs.summary == stage.summary  # crawler/run.py writes it there


def test_without_a_parent_the_orphan_guard_has_nothing_to_watch() -> None:
    assert scrapy(config()).getint("ECEI_PARENT_PID") == 0
    assert scrapy(config(), parent_pid=4321).getint("ECEI_PARENT_PID") == 4321


def test_downloader_middlewares_in_the_order_the_archive_needs() -> None:
    order = build_component_list(scrapy(config()).getwithbase("DOWNLOADER_MIDDLEWARES"))
    names = [c if isinstance(c, str) else f"{c.__module__}.{c.__name__}" for c in order]
    assert names[0] == "crawler.onsite.OnSiteMiddleware"
    # Scrapy's own offsite, retry and cookie middlewares are replaced or off
    for gone in ("offsite.OffsiteMiddleware", "retry.RetryMiddleware", "cookies.CookiesMiddleware"):
        assert f"scrapy.downloadermiddlewares.{gone}" not in names
    # the archive sees every retried attempt and each body already decompressed
    retry = names.index("crawler.retry_after.RetryAfterMiddleware")
    archive = names.index("crawler.archive_pages.ArchivePagesMiddleware")
    decompress = names.index("scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware")
    assert retry < archive < decompress


def test_components_turned_off_are_not_even_imported() -> None:
    s = scrapy(config())
    base = {**s.getdict("EXTENSIONS_BASE"), **s.getdict("DOWNLOADER_MIDDLEWARES_BASE")}
    assert "scrapy.extensions.telnet.TelnetConsole" not in base
    assert "scrapy.downloadermiddlewares.cookies.CookiesMiddleware" not in base
    assert "scrapy.extensions.corestats.CoreStats" in base  # the others are kept


def test_item_pipelines_validate_then_dedupe_then_stage() -> None:
    order = build_component_list(scrapy(config()).getdict("ITEM_PIPELINES"))
    assert order == [
        "pipelines.validate_rows.ValidateRowsPipeline",
        "pipelines.dedupe_rows.DedupeRowsPipeline",
        "pipelines.stage_run.StageRunPipeline",
    ]
