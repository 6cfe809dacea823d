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

    start_url: str = Field(LIVE_START_URL, description="The overview page the crawl starts from.")
    db: Path = Field(
        query.DB,
        description="The warehouse file: a local file path. `md:`, `motherduck:`, `s3://`, `https://`, any `name:` "
        "form DuckDB reads specially and `:memory:` are refused (exit 2) before DuckDB is asked anything; a local "
        "file so named is `./md:x`.",
    )

    # crawl manners
    user_agent: str = Field(
        "ecei-watch/0.1 (+https://github.com/ecei-watch/ecei-watch; registry history watcher)",
        description="Names the project to the site and to the web archive.",
    )
    retry_times: int = Field(3, ge=0, description="Retries of a page answering 5xx/429/408 or timing out.")
    download_timeout: float = Field(30.0, gt=0, description="Seconds before a request is abandoned.")
    concurrent_requests: int = Field(2, ge=1, le=2, description="Requests in flight to the site.")
    polite: bool = Field(
        True,
        description="AutoThrottle and a download delay; `false` turns both off (never robots.txt) for mirrors you "
        "own. For `backfill --wayback`: the archive's published limits (30 index requests a minute, 4 captures a "
        "second), which `false` lifts for an archive you own (a 429's `Retry-After` is honoured either way).",
    )
    download_delay: float = Field(1.0, ge=0, description="Seconds between requests when polite.")
    crawl_timeout: float = Field(
        900.0,
        ge=0,
        le=7 * 86400,  # past a week no clock can hold the deadline
        description="A crawl still running after this many seconds stops, and the run is partial (0 = no limit). "
        "The crawl closes itself at the limit; one still running 15 s later (a download under way, a stuck "
        "process) is killed with everything it started, and the run fails.",
    )
    parse_workers: int = Field(
        default_factory=lambda: min(2, os.cpu_count() or 1),
        ge=0,
        le=8,
        description="Processes that parse and validate country pages of 256 kB or more beside the crawl, so a "
        "large registry uses every core; `0` does it all in the crawl process.",
        json_schema_extra={"shown_default": "one per core, at most 2"},
    )
    max_retry_after: float = Field(
        60.0,
        ge=0,
        description="The longest `Retry-After` (on 429/503) waited out before a retry; a server asking for longer "
        "is not retried and the page fails.",
    )
    # a small gzip body can inflate to gigabytes: a larger page fails instead of filling the memory
    max_page_bytes: int = Field(
        64 * 2**20,
        ge=4096,
        description="The largest page, in bytes after decompression, the crawl and `ecei check` accept; a larger "
        "page fails (its country incomplete, the run partial). A live country page is about 12 kB, the bench's "
        "100,000-row page 20 MB.",
    )

    wayback_url: str = Field(
        "https://web.archive.org",
        description="The Wayback-compatible archive `backfill --wayback` reads: its CDX index at "
        "`<url>/cdx/search/cdx`, raw captures at `<url>/web/<timestamp>id_/<page>`.",
    )
    wayback_window_days: int = Field(
        45,
        ge=0,
        le=3650,
        description="A Wayback run takes each country page's capture nearest its overview capture within this many "
        "days; a country with none makes the run partial.",
    )

    max_rejected_share: float = Field(
        DEFAULT_MAX_REJECTED_SHARE,
        ge=0,
        le=1,
        description="A run that quarantines more than this share of the rows it saw is partial: it closes nothing, "
        "and its message names the share and this setting. Replay and backfill judge each archived run with it.",
    )

    lock_wait: float = Field(0.0, ge=0, description="Seconds a refresh waits for another one before exiting 4 (busy).")
    busy_timeout: float = Field(
        query.BUSY_TIMEOUT,
        ge=0,
        description="Seconds a write waits for another process that writes the file (the merge, a publish), and a "
        "read of the live file (`--live`) waits for one.",
    )
    # a query that needs more memory fails instead of starving the machine or spilling to disk
    sql_timeout: float = Field(
        query.SQL_TIMEOUT, gt=0, description="Seconds an `ecei sql` query may run before it is interrupted (exit 1)."
    )
    sql_memory_limit: str = Field(
        query.SQL_MEMORY_LIMIT,
        description="Memory an `ecei sql` query may use, in DuckDB's form (`512MB`, `2GiB`; at least 64MB); more "
        "fails the query (exit 1); nothing spills to disk.",
    )
    publish: bool = Field(
        True,
        description="After every write, publish the read-only copy `<stem>.published<suffix>` "
        "(`ecei.published.duckdb`) beside the warehouse, which the read commands open; `false` removes it at the "
        "next write, and the read commands read the live file.",
    )
    merge_hold: Path | None = Field(
        None,
        description="Test hook only: while this file exists the merge waits inside its transaction, before the "
        "commit, having created `<file>.reached` (the crash and concurrency tests kill or race it there).",
    )

    # scheduling and alerts (flows/)
    refresh_cron: str = Field("0 5 * * *", description="When `ecei serve` (and `ecei schedule`) run the refresh.")
    alerts_cron: str = Field("0 6 * * *", description="When `ecei serve` (and `ecei schedule`) run the alerts.")
    timezone: str = Field(
        query.TIMEZONE, description='The time zone of both schedules, and of "today" (the business day).'
    )
    stale_days: int = Field(
        query.STALE_DAYS,
        ge=1,
        le=36_500,  # DuckDB counts the days in an INTEGER
        description="Days without a complete refresh before the watcher itself is reported stale (the `stale` "
        "alert, `ecei status`'s exit 1, the report's banner).",
    )
    notify: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Apprise URLs to deliver alerts to, separated by commas or spaces; secret, never logged.",
    )
    # Apprise's socket timeouts do not stop a server that answers a byte at a time
    notify_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds one alert channel may take to take a message; past it the delivery has failed (its "
        "alerts stay pending, exit 5) and the process still ends.",
    )
    # a first run on a large registry raises thousands, and a chat service refuses a message that large every
    # time, so its alerts would stay pending for good
    digest_max_alerts: int = Field(
        200,
        gt=0,
        description='The most alerts one digest message carries: more go in parts ("part 2 of 52" in the title; '
        "`part` and `parts` among a JSON webhook's fields). A refused part stays pending with the parts after it; "
        "the parts taken are never sent again. A part of 200 alerts is about 45 kB of HTML plus 96 kB of JSON "
        "fields: for a chat service with a smaller cap set it lower, or add Apprise's `?overflow=split` to the URL.",
    )
    subscriptions: Path | None = Field(
        None,
        description="A YAML file of subscribers, each with its channel (`${VAR}` from the environment), filters and "
        "mode; a file that is wrong stops every alerts run (exit 2, naming its line) and `ecei status` (exit 1). "
        "`ECEI_NOTIFY` stays one subscription that hears everything.",
    )
    # so that someone hears when the schedule itself stops
    healthcheck_url: SecretStr | None = Field(
        None,
        description="Pinged after every refresh, healthchecks.io style: the URL for a complete one, `<URL>/fail` "
        "for a failed, partial or refused one, nothing for a busy one. A monitor that does not take it is a "
        "warning, never the run's outcome; one that is no http(s) URL with a host is refused at start (exit 2). "
        "Secret: only its scheme and host are ever shown.",
    )
    healthcheck_timeout: float = Field(
        10.0, gt=0, description="Seconds the ping may take, however the monitor answers."
    )

    feeds_dir: Path | None = Field(
        None,
        description="When set, every complete refresh and every alerts run rewrite the change feeds here; a failed "
        "or partial one leaves them as they were; a feed that cannot be written is a warning, never the outcome.",
    )
    feeds_limit: int = Field(200, ge=1, le=MOST_FEED_ENTRIES, description="Entries per feed, the latest.")
    feeds_report_url: str = Field(
        "report.html",
        description="Where each feed and entry links: the report (relative to the feeds' folder unless absolute); "
        "a change links to its `#changes` section.",
    )
    feeds_url: str = Field(
        "",
        description="The URL the feeds' folder is published at, for each feed's `self` link; empty, a feed names "
        "itself by its file name.",
    )

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
