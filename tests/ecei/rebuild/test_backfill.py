"""Backfill from WARC files the tests write themselves from the mirror snapshots, at dates of their own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ecei.alerts.run import run_alerts
from ecei.demo.mirror import demo_site, serve
from ecei.history.identity import decide_link
from ecei.rebuild.backfill import backfill
from ecei.refresh.run import refresh
from ecei.settings import LIVE_START_URL, Settings
from tests.conftest import COUNTRY_PATH, NORWAY, query
from tests.ecei.oracle import named, oracle_versions
from tests.receivers import Webhook
from tests.warcs import JUNE_2016, OCT_2018, SITE, write_warc


def test_captures_older_than_the_first_run_go_before_it(tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    with serve(demo_site("2021-09")) as mirror:
        live = refresh(Settings(start_url=mirror.start_url, db=db, polite=False, retry_times=0))
    assert live.status == "ok"
    live_started = query(db, "select started_at from crawl_runs")[0][0]
    warcs = [
        write_warc(tmp_path / "2016.warc.gz", [("2016-06", JUNE_2016, set())]),
        write_warc(tmp_path / "2018.warc", [("2018-10", OCT_2018, set())]),
    ]

    result = backfill(db, warcs, LIVE_START_URL)

    assert [r.started_at for r in result.runs] == [JUNE_2016, OCT_2018]
    assert result.replay is not None and result.replay.backup is None
    runs = query(db, "select run_id, started_at, status, start_url from crawl_runs order by run_id")
    assert [r[1:3] for r in runs] == [(JUNE_2016, "ok"), (OCT_2018, "ok"), (live_started, "ok")]
    assert runs[0][3] == SITE + "/benchmarked-clusters"
    # the history is the one three live crawls would have made, at the capture times
    assert query(db, "select count(*) from cluster_history")[0][0] == oracle_versions(["2016-06", "2018-10", "2021-09"])
    assert set(query(db, "select country, name from clusters_as_of(?)", [dt.datetime(2017, 1, 1)])) == named("2016-06")
    assert set(query(db, "select country, name from clusters_current")) == named("2021-09")
    first_seen = query(db, "select min(first_seen_at) from cluster_history")[0][0]
    assert first_seen == JUNE_2016
    # the live run now finds what changed since 2018-10 instead of adding everything
    added, removed = query(db, "select added, removed from crawl_runs where run_id = 3")[0]
    assert added < len(named("2021-09")) and removed > 0
    sources = query(db, "select run_id, source, count(*) from archived_pages group by all order by 1")
    assert [(r[0], r[1]) for r in sources] == [(1, "warc"), (2, "warc"), (3, "crawl")]


def test_a_day_lacking_a_country_page_is_a_partial_run(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"  # a backfill can start a warehouse too
    warc = write_warc(
        tmp_path / "captures.warc.gz",
        [
            ("2016-06", JUNE_2016, set()),
            ("2018-10", OCT_2018, {COUNTRY_PATH + NORWAY}),
            # a day with country pages only makes no run
            ("2018-10", OCT_2018 + dt.timedelta(days=3), {"/benchmarked-clusters", "/robots.txt"}),
        ],
    )
    result = backfill(db, [warc], LIVE_START_URL)
    assert len(result.runs) == 2
    assert any("no overview capture" in s for s in result.skipped)
    status, message, failed = query(db, "select status, message, pages_failed from crawl_runs where run_id = 2")[0]
    assert (status, failed) == ("partial", 1)
    assert "Norway incomplete: not captured in the web archive" in message
    # a partial run closes nothing: Norway stays as captured in 2016
    norway = query(db, "select distinct valid_from from clusters_current where country = 'Norway'")
    assert norway == [(JUNE_2016,)]
    assert query(db, "select count(*) from cluster_changes where run_id = 2 and change = 'removed'") == [(0,)]


def test_the_same_captures_are_not_added_twice(tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    warc = write_warc(tmp_path / "a.warc", [("2016-06", JUNE_2016, set())])
    first = backfill(db, [warc], LIVE_START_URL)
    history = query(db, "select * from cluster_history order by all")
    again = backfill(db, [warc], LIVE_START_URL)
    assert len(first.runs) == 1 and again.runs == [] and again.replay is None
    assert again.skipped == ["2016-06-15: already in the archive"]
    assert query(db, "select * from cluster_history order by all") == history
    assert query(db, "select count(*) from crawl_runs") == [(1,)]


def test_a_backfill_keeps_what_people_were_told_and_decided_with_the_runs_renumbered(
    tmp_path: Path, webhook: Webhook
) -> None:
    db = tmp_path / "ecei.duckdb"
    with serve(demo_site("2018-10")) as mirror:
        settings = Settings(start_url=mirror.start_url, db=db, polite=False, retry_times=0)
        for snapshot in ("2018-10", "2021-09"):
            mirror.switch(demo_site(snapshot))
            assert refresh(settings).status == "ok"
    today = dt.date(2021, 10, 1)
    told = run_alerts(settings, today, notify=[webhook.url()])
    assert told.status == "ok" and told.delivered > 0
    old, new = "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster"
    decide_link(settings, old, new, linked=False, country=None)  # the scoring linked them in run 2
    ledger = query(db, "select * from alert_log order by alert_id")
    deliveries = query(db, "select * from alert_deliveries order by all")
    assert query(db, "select through_run_id from alert_runs") == [(2,)]

    result = backfill(db, [write_warc(tmp_path / "2016.warc", [("2016-06", JUNE_2016, set())])], LIVE_START_URL)

    assert result.replay is not None and [r.old_run_id for r in result.replay.runs] == [None, 1, 2]
    assert query(db, "select * from alert_log order by alert_id") == ledger
    assert query(db, "select * from alert_deliveries order by all") == deliveries
    # the alerts run covered the live runs, numbered 2 and 3 now
    assert query(db, "select through_run_id from alert_runs") == [(3,)]
    person = "select run_id, old_name, new_name, linked from cluster_links where decided_by = 'person'"
    assert query(db, person) == [(3, old, new, False)]
    ids = query(db, "select count(distinct cluster_id) from cluster_history where name in (?, ?)", [old, new])
    assert ids == [(2,)]
    again = run_alerts(settings, today, notify=[webhook.url()])
    assert (again.status, again.raised, again.delivered, len(webhook.posts)) == ("ok", [], 0, 1)
