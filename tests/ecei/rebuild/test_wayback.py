"""Backfill from a Wayback-compatible archive: the stand-in on loopback (ecei.demo.wayback_standin) holds the
demo snapshots captured at unaligned times, under several spellings, with redirects, error pages,
a page in another layout, unchanged pages captured again, and 429 answers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import Counter
from pathlib import Path

from ecei.demo.mirror import demo_site, serve
from ecei.demo.wayback_standin import (
    LIVE_SITE,
    NOT_FOUND_PAGE,
    ArchivedCapture,
    Refusal,
    serve_archive,
    snapshot_captures,
    snapshot_pages,
    surt,
)
from ecei.rebuild.wayback import backfill_wayback
from ecei.rebuild.wayback_client import CAPTURE_INTERVAL, CDX_INTERVAL, DEFAULT_RETRY_AFTER, ArchiveClient
from ecei.refresh.run import refresh
from ecei.settings import LIVE_START_URL, Settings
from tests.conftest import COUNTRY_PATH, ITALY, NORWAY, POLAND, query, rename_header
from tests.ecei.oracle import named, oracle_versions

OVERVIEW = "/benchmarked-clusters"
JUNE_2016 = dt.datetime(2016, 6, 15, 9, 0, 7)
OCT_2018 = dt.datetime(2018, 10, 20, 8, 30, 41)
SEPT_2021 = dt.datetime(2021, 9, 15, 9, 0, 0)
BARE_SITE = "http://cluster-analysis.org"


class FakeClock:
    """Time that passes only when someone waits: the waits a backfill takes, without taking them."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def moved(captures: list[ArchivedCapture], path: str, by: dt.timedelta, site: str | None = None) -> None:
    """Capture `path` `by` later (earlier when negative), under `site`'s spelling when given."""
    for i, c in enumerate(captures):
        if c.original.endswith(path):
            original = (site or c.original[: -len(path)]) + path if site else c.original
            captures[i] = dataclasses.replace(c, at=c.at + by, original=original)


def archive() -> list[ArchivedCapture]:
    """What the stand-in holds: three snapshots, their country pages captured days from their overview."""
    june = snapshot_captures("2016-06", JUNE_2016)
    moved(june, COUNTRY_PATH + NORWAY, dt.timedelta(days=-10), site="https://www.cluster-analysis.org:443")
    moved(june, COUNTRY_PATH + POLAND, dt.timedelta(days=20))
    # Italy under another spelling: http, no www., its id in capitals
    for i, c in enumerate(june):
        if c.original.endswith(ITALY):
            june[i] = dataclasses.replace(
                c, at=c.at + dt.timedelta(days=3), original=BARE_SITE + COUNTRY_PATH + ITALY.upper()
            )
    pages16 = snapshot_pages("2016-06")
    again = [
        # the overview and Poland captured again unchanged: read once
        ArchivedCapture(JUNE_2016 + dt.timedelta(days=1), LIVE_SITE + OVERVIEW, pages16[OVERVIEW]),
        ArchivedCapture(
            JUNE_2016 + dt.timedelta(days=21), LIVE_SITE + COUNTRY_PATH + POLAND, pages16[COUNTRY_PATH + POLAND]
        ),
        # a redirect kept as the overview's capture, and an error page captured with status 200
        ArchivedCapture(
            dt.datetime(2017, 1, 3, 12), BARE_SITE + OVERVIEW, b"", status=301, location=LIVE_SITE + OVERVIEW
        ),
        ArchivedCapture(dt.datetime(2019, 5, 1, 6), LIVE_SITE + OVERVIEW, NOT_FOUND_PAGE),
    ]
    # 2018-10: Norway never captured; Poland's nearest capture is an error page, a real one further away
    october = snapshot_captures("2018-10", OCT_2018, left_out=[COUNTRY_PATH + NORWAY])
    moved(october, COUNTRY_PATH + POLAND, dt.timedelta(days=5))
    october.append(ArchivedCapture(OCT_2018 + dt.timedelta(hours=2), LIVE_SITE + COUNTRY_PATH + POLAND, NOT_FOUND_PAGE))
    # 2021-09: Italy's nearest capture is in a layout this version does not read
    september = snapshot_captures("2021-09", SEPT_2021)
    moved(september, COUNTRY_PATH + ITALY, dt.timedelta(days=3))
    italy21 = snapshot_pages("2021-09")[COUNTRY_PATH + ITALY]
    september.append(
        ArchivedCapture(SEPT_2021 + dt.timedelta(days=1), LIVE_SITE + COUNTRY_PATH + ITALY, rename_header(italy21))
    )
    return june + again + october + september


def settings_for(base_url: str, db: Path, polite: bool = True) -> Settings:
    return Settings(db=db, start_url=LIVE_START_URL, wayback_url=base_url, polite=polite)


def client_for(settings: Settings, clock: FakeClock, page_size: int = 5) -> ArchiveClient:
    return ArchiveClient(
        settings.wayback_url,
        settings.user_agent,
        polite=settings.polite,
        clock=clock.time,
        sleep=clock.sleep,
        page_size=page_size,
    )


def test_every_capture_becomes_runs_at_its_overview_times(tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    with serve_archive(archive()) as standin:
        settings = settings_for(standin.base_url, db)
        result = backfill_wayback(settings, client=client_for(settings, FakeClock()))

        runs = query(db, "select started_at, status, source, source_name, message from crawl_runs order by run_id")
    assert [r[:3] for r in runs] == [
        (JUNE_2016, "ok", "wayback"),
        (JUNE_2016 + dt.timedelta(days=1), "ok", "wayback"),
        (OCT_2018, "partial", "wayback"),
        (SEPT_2021, "ok", "wayback"),
    ]
    # where each run came from: the archive's URL of its overview capture
    assert runs[0][3] == f"{standin.base_url}/web/20160615090007id_/{LIVE_SITE}{OVERVIEW}"
    assert "Norway incomplete: not captured in the web archive near that day" in runs[2][4]
    assert result.runs_by_year == {2016: 2, 2018: 1, 2021: 1} and result.runs_partial == 1
    assert result.skipped == Counter({"redirect": 1, "error page": 2, "layout not read by this version": 1})
    # the partial run closed nothing: Norway stays as captured in 2016, the rest is 2021's list
    assert set(query(db, "select country, name from clusters_as_of(?)", [dt.datetime(2017, 1, 1)])) == named("2016-06")
    assert set(query(db, "select country, name from clusters_current")) == named("2021-09")
    assert query(db, "select count(*) from cluster_changes where run_id = 3 and change = 'removed'") == [(0,)]
    assert query(db, "select count(*) from rejected_rows where run_id = 3") != [(0,)]


def test_the_archive_is_asked_within_its_limits_and_each_unchanged_page_once(tmp_path: Path) -> None:
    captures = archive()
    clock = FakeClock()
    with serve_archive(captures) as standin:
        standin.refusals["cdx"] = Refusal(retry_after="7")
        first_page = f"/web/20160615090007id_/{LIVE_SITE}{OVERVIEW}"
        standin.refusals[first_page] = Refusal(retry_after=None)
        settings = settings_for(standin.base_url, tmp_path / "ecei.duckdb")
        client = client_for(settings, clock)
        result = backfill_wayback(settings, client=client)
        fetched = standin.requested("capture")
        agents = standin.user_agents

    assert result.listed == len(captures)
    # paged by resume key, five rows a page, and the first page asked again after its 429
    assert result.requests["cdx"] == -(-len(captures) // 5) + 1
    # redirects are known from the index; every other page is read once per digest
    distinct = {(surt(c.original), c.digest) for c in captures if c.status == 200}
    assert fetched.count(first_page) == 2 and len(set(fetched)) == len(fetched) - 1
    assert result.fetched == len(fetched) - 1 == len(distinct)
    redirects = sum(c.status == 301 for c in captures)
    assert result.reused == len(captures) - redirects - len(distinct) >= 2 and result.refusals == 2
    # the waits: Retry-After when given, a minute when not, and the published pace in between
    assert 7.0 in clock.sleeps and DEFAULT_RETRY_AFTER in clock.sleeps
    for kind, gap in (("cdx", CDX_INTERVAL), ("capture", CAPTURE_INTERVAL)):
        times = [t for t, k in client.sent if k == kind]
        assert min(b - a for a, b in itertools.pairwise(times)) >= gap - 1e-9
    assert agents == {settings.user_agent} and "ecei-watch" in settings.user_agent


def test_without_politeness_only_the_archives_own_requests_to_wait_are_waited(tmp_path: Path) -> None:
    clock = FakeClock()
    with serve_archive(archive()) as standin:
        standin.refusals["cdx"] = Refusal(retry_after="3")
        settings = settings_for(standin.base_url, tmp_path / "ecei.duckdb", polite=False)
        backfill_wayback(settings, client=client_for(settings, clock))
    assert clock.sleeps == [3.0]


def test_a_second_backfill_adds_nothing_and_reads_no_capture_again(tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    with serve_archive(archive()) as standin:
        settings = settings_for(standin.base_url, db, polite=False)
        backfill_wayback(settings)
        history = query(db, "select * from cluster_history order by all")
        before = len(standin.requested("capture"))
        again = backfill_wayback(settings)
        assert len(standin.requested("capture")) == before
    assert again.backfill.runs == [] and again.backfill.replay is None
    assert again.known == again.listed and again.fetched == 0
    assert query(db, "select * from cluster_history order by all") == history
    assert query(db, "select count(*) from crawl_runs") == [(4,)]


def test_since_and_until_choose_the_overview_days(tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    with serve_archive(archive()) as standin:
        settings = settings_for(standin.base_url, db, polite=False)
        result = backfill_wayback(settings, since=dt.date(2018, 1, 1), until=dt.date(2018, 12, 31))
        asked = standin.requested("cdx")
    assert [r.started_at for r in result.backfill.runs] == [OCT_2018]
    # the index is asked a window wider, for the country pages of the runs at the edges
    assert "from=20171117" in asked[0] and "to=20190214235959" in asked[0]


def test_earlier_captures_go_before_the_live_refreshes(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    with serve(demo_site("2018-10")) as mirror:
        live = Settings(start_url=mirror.start_url, db=db, polite=False, retry_times=0)
        assert refresh(live).status == "ok"
        mirror.switch(demo_site("2021-09"))
        assert refresh(live).status == "ok"
    refreshed = query(db, "select started_at from crawl_runs order by run_id")
    captures = snapshot_captures("2016-06", JUNE_2016)
    with serve_archive(captures) as standin:
        result = backfill_wayback(settings_for(standin.base_url, db, polite=False))
    assert result.backfill.replay is not None
    assert [r.old_run_id for r in result.backfill.replay.runs] == [None, 1, 2]
    runs = query(db, "select started_at, status, source from crawl_runs order by run_id")
    assert runs == [(JUNE_2016, "ok", "wayback"), (refreshed[0][0], "ok", "crawl"), (refreshed[1][0], "ok", "crawl")]
    assert query(db, "select count(*) from cluster_history")[0][0] == oracle_versions(["2016-06", "2018-10", "2021-09"])
    # the captures stay kept through the replay that put them first
    assert query(db, "select count(*) from archive_captures") == [(len(captures),)]
