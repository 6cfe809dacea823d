"""Every setting of ecei-watch, read once from the environment (`ECEI_*`) or passed explicitly."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ecei import query_settings as query

_MEMORY = re.compile(r"(?P<number>\d+(\.\d+)?)\s*(?P<unit>[KMGT]i?B)", re.IGNORECASE)
_MIN_SQL_MEMORY = 64 * 10**6

LIVE_START_URL = "https://www.cluster-analysis.org/benchmarked-clusters"
MOST_FEED_ENTRIES = 10_000  # ECEI_FEEDS_LIMIT and `ecei feed --limit` at most
DEFAULT_MAX_REJECTED_SHARE = 0.1  # also the completeness rule's own default (ecei/refresh/completeness.py)


class Settings(BaseSettings):
    """Settings of one ecei-watch process; the environment overrides the defaults."""

    # an error's text never holds the value given: a healthcheck or notify URL carries a secret, and a
    # flow logs the error whole (the command layer shows the values that are no secret itself)
    model_config = SettingsConfigDict(env_prefix="ECEI_", extra="ignore", hide_input_in_errors=True)

    start_url: str = LIVE_START_URL
    db: Path = query.DB

    # crawl manners
    user_agent: str = "ecei-watch/0.1 (+https://github.com/ecei-watch/ecei-watch; registry history watcher)"
    retry_times: int = Field(3, ge=0)
    download_timeout: float = Field(30.0, gt=0)
    concurrent_requests: int = Field(2, ge=1, le=2)
    # False turns off AutoThrottle and download delays (never robots.txt), for mirrors you own.
    polite: bool = True
    download_delay: float = Field(1.0, ge=0)
    # Stop the crawl when it has not finished after this many seconds (0 = no limit).
    crawl_timeout: float = Field(900.0, ge=0, le=7 * 86400)  # past a week no clock can hold the deadline
    # worker processes that parse and validate large country pages (256 kB and more) beside the
    # crawl, by default one per core up to 2; 0 = none, everything in the crawl process
    parse_workers: int = Field(default_factory=lambda: min(2, os.cpu_count() or 1), ge=0, le=8)
    # longest Retry-After (429/503) waited out before a retry; a longer one fails the page instead
    max_retry_after: float = Field(60.0, ge=0)
    # the largest page, in bytes after decompression, the crawl (and `ecei check`) accepts: a larger
    # one fails that page instead of filling the memory (a small gzip body can inflate to gigabytes).
    # 64 MiB: a live country page is about 12 kB and the bench's 100,000-row page 20 MB.
    max_page_bytes: int = Field(64 * 2**20, ge=4096)

    # `ecei backfill --wayback`: a Wayback-compatible web archive (its CDX index at
    # <url>/cdx/search/cdx, raw captures at <url>/web/<timestamp>id_/<page>), paced within the
    # Internet Archive's limits unless `polite` is off; a run takes each country page's capture
    # nearest its overview capture within this many days, and is partial for a country with none
    wayback_url: str = "https://web.archive.org"
    wayback_window_days: int = Field(45, ge=0, le=3650)

    # a run that quarantines more than this share of the rows it saw is partial (closes nothing)
    max_rejected_share: float = Field(DEFAULT_MAX_REJECTED_SHARE, ge=0, le=1)

    # how long a refresh waits for another refresh to finish before exiting 4 (busy)
    lock_wait: float = Field(0.0, ge=0)
    # how long `ecei sql` retries while a refresh holds the warehouse for writing
    busy_timeout: float = Field(query.BUSY_TIMEOUT, ge=0)
    # `ecei sql`: a query running longer is interrupted (exit 1); one needing more memory than this
    # DuckDB size (e.g. 512MB, 2GB) fails instead of starving the machine or spilling to disk
    sql_timeout: float = Field(query.SQL_TIMEOUT, gt=0)
    sql_memory_limit: str = query.SQL_MEMORY_LIMIT
    # after every write, publish a read-only copy beside the warehouse (`<stem>.published.duckdb`) that
    # the read commands open instead of the live file, so that no reader waits for a write; False
    # removes the copy at the next write and the readers read the live file (ecei/outputs/publish.py)
    publish: bool = True
    # test hook: while this file exists the merge waits inside its transaction, before the commit,
    # having created `<file>.reached` (the crash and concurrency tests kill or race it there)
    merge_hold: Path | None = None

    # scheduling and alerts (flows/)
    refresh_cron: str = "0 5 * * *"
    alerts_cron: str = "0 6 * * *"
    timezone: str = query.TIMEZONE
    stale_days: int = Field(query.STALE_DAYS, ge=1, le=36_500)  # DuckDB counts the days in an INTEGER
    notify: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    # how long one channel may take to take a digest; past it the delivery has failed (its alerts stay
    # pending): Apprise's socket timeouts do not stop a server that answers a byte at a time
    notify_timeout: float = Field(30.0, gt=0)
    # the most alerts one digest message carries: a first run on a large registry raises thousands, and a
    # chat service refuses a message that large every time, so its alerts would stay pending for good
    digest_max_alerts: int = Field(200, gt=0)
    # a YAML file of subscribers, each hearing the alerts its filters choose (ecei/alerts/subscriptions.py);
    # ECEI_NOTIFY stays one subscription that hears everything
    subscriptions: Path | None = None
    # pinged after every refresh (healthchecks.io's convention: `<URL>/fail` for a failed or partial
    # one), so that someone hears when the schedule itself stops; its path is a secret
    healthcheck_url: SecretStr | None = None
    healthcheck_timeout: float = Field(10.0, gt=0)

    # change feeds (ecei/outputs/feeds.py): written here after every complete refresh when set; each feed
    # holds the latest `feeds_limit` entries and links to the report at `feeds_report_url` (relative
    # to the feeds' folder unless absolute) and to itself under `feeds_url` ('': by its file name)
    feeds_dir: Path | None = None
    feeds_limit: int = Field(200, ge=1, le=MOST_FEED_ENTRIES)
    feeds_report_url: str = "report.html"
    feeds_url: str = ""

    @field_validator("sql_memory_limit")
    @classmethod
    def _memory_size(cls, value: str) -> str:
        # DuckDB's own form, checked here: a bad value is a settings error, not a failed query
        match = _MEMORY.fullmatch(value.strip())
        if match is None:
            raise ValueError("a size with a unit, as DuckDB writes it: e.g. 512MB, 1GB, 2GiB")
        unit = match["unit"].upper()
        size = float(match["number"]) * (1024 if "I" in unit else 1000) ** ("KMGT".index(unit[0]) + 1)
        if size < _MIN_SQL_MEMORY:
            raise ValueError("at least 64MB: below that DuckDB cannot even open the warehouse")
        return value

    @field_validator("healthcheck_url")
    @classmethod
    def _pingable(cls, value: SecretStr | None) -> SecretStr | None:
        # refused at start, before any crawl: a run that merged must not end in a ping that cannot be sent
        from ecei.refresh.healthcheck import unusable

        problem = None if value is None else unusable(value.get_secret_value())
        if problem is not None:
            raise ValueError(f"{problem}; give the monitor's ping URL, e.g. https://hc-ping.com/<uuid>")
        return value

    @field_validator("db", mode="before")
    @classmethod
    def _local_db(cls, value: object) -> object:
        # before anything opens it or makes a lock file beside it: `md:x` would make DuckDB download an extension
        if isinstance(value, str | Path) and (why := query.not_local(value)):
            raise PydanticCustomError("db_not_local", why)
        return value

    @field_validator("notify", mode="before")
    @classmethod
    def _split_notify(cls, value: object) -> object:
        # ECEI_NOTIFY holds Apprise URLs separated by commas or whitespace
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split() if part]
        return value
