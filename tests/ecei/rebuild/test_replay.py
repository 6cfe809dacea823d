"""Replay: the three mirror snapshots crawled for real, then rebuilt from the archive alone."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import field_validator

import ecei.rebuild.replay
import pipelines.validate_rows
from ecei.alerts.run import run_alerts
from ecei.demo.mirror import Fault, demo_site, serve
from ecei.history.identity import decide_link
from ecei.outcome import Refused
from ecei.rebuild.replay import replay
from ecei.refresh.run import load_run, refresh
from ecei.settings import Settings
from pipelines.contract import ClusterRow
from tests.conftest import COUNTRY_PATH, NORWAY, query
from tests.receivers import Webhook
from warehouse.db import connect

SNAPSHOTS = ("2016-06", "2018-10", "2021-09")
HISTORY = "select * from cluster_history order by all"
RUNS = "select * from crawl_runs order by run_id"
REJECTED = "select * from rejected_rows order by all"
CHANGES = "select * from cluster_changes order by all"


def crawl(db: Path, snapshots: tuple[str, ...], faults: dict[str, Fault] | None = None) -> list[Any]:
    with serve(demo_site(snapshots[0])) as mirror:
        settings = Settings(start_url=mirror.start_url, db=db, polite=False, retry_times=1, download_timeout=5)
        results = []
        for snap in snapshots:
            mirror.switch(demo_site(snap))
            mirror.faults = dict(faults or {}) if snap == snapshots[0] else {}
            results.append(refresh(settings))
    return results


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("replay") / "ecei.duckdb"
    assert [r.status for r in crawl(db, SNAPSHOTS)] == ["ok", "ok", "ok"]
    return db


@pytest.fixture
def warehouse(three_runs: Path, tmp_path: Path) -> Path:
    db = tmp_path / "ecei.duckdb"
    shutil.copy(three_runs, db)
    return db


def test_unchanged_parser_reproduces_the_history_exactly(warehouse: Path) -> None:
    result = replay(warehouse)
    assert result.target == warehouse.with_name("ecei.replayed.duckdb")
    assert [r.status for r in result.runs] == ["ok", "ok", "ok"]
    for sql in (HISTORY, RUNS, REJECTED, CHANGES, "select * from clusters_current order by all"):
        assert query(result.target, sql) == query(warehouse, sql), sql
    assert query(result.target, "select count(*) from rejected_rows") == [(3,)]
    archived = "select run_id, seq, url, status, sha256 from archived_pages order by all"
    assert query(result.target, archived) == query(warehouse, archived)


def test_each_run_is_judged_with_the_share_of_rejected_rows_given(warehouse: Path) -> None:
    # each snapshot quarantines one row (an empty name): with no share allowed, every run is partial
    result = replay(warehouse, max_rejected_share=0.0)
    assert [r.status for r in result.runs] == ["partial", "partial", "partial"]
    messages = query(result.target, "select message from crawl_runs order by run_id")
    assert all("more than ECEI_MAX_REJECTED_SHARE (0%) allows" in m for (m,) in messages), messages


def test_in_place_replay_swaps_the_file_and_keeps_a_backup_on_request(warehouse: Path) -> None:
    before = query(warehouse, HISTORY)
    result = replay(warehouse, in_place=True, keep_backup=True)
    assert result.target == warehouse
    assert result.backup == warehouse.with_name("ecei.duckdb.replay-backup")
    assert query(warehouse, HISTORY) == before
    assert query(result.backup, HISTORY) == before
    assert not warehouse.with_name("ecei.duckdb.replay-tmp").exists()


def test_in_place_through_a_symlink_rebuilds_the_file_it_names(warehouse: Path, tmp_path: Path) -> None:
    link = tmp_path / "elsewhere" / "link.duckdb"
    link.parent.mkdir()
    link.symlink_to(warehouse)
    before = query(warehouse, HISTORY)
    result = replay(link, in_place=True, keep_backup=True)
    assert link.is_symlink() and result.target == warehouse
    assert result.backup == warehouse.with_name("ecei.duckdb.replay-backup")
    assert query(link, HISTORY) == before
    assert sorted(p.name for p in link.parent.iterdir()) == ["link.duckdb"]


def test_in_place_replay_that_fails_leaves_the_warehouse_as_it_was(warehouse: Path) -> None:
    with connect(warehouse) as con:
        # a run that loaded rows but whose pages are not in the archive cannot be replayed
        con.execute("delete from archive_runs where run_id = 2")
    before = query(warehouse, RUNS)
    with pytest.raises(Refused, match="runs 2 "):
        replay(warehouse, in_place=True)
    assert query(warehouse, RUNS) == before
    assert not warehouse.with_name("ecei.duckdb.replay-tmp").exists()


def test_a_replay_that_breaks_midway_leaves_the_warehouse_and_no_file(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = []

    def load_run_failing_on_the_second(*args: Any, **kwargs: Any) -> Any:
        loads.append(args[1])
        if len(loads) == 2:
            raise RuntimeError("disk full")  # stands for any failure in the middle of the rebuild
        return load_run(*args, **kwargs)

    monkeypatch.setattr(ecei.rebuild.replay, "load_run", load_run_failing_on_the_second)
    before = query(warehouse, HISTORY)
    for kwargs in ({"in_place": True}, {}):
        loads.clear()
        with pytest.raises(RuntimeError, match="disk full"):
            replay(warehouse, **kwargs)
        assert query(warehouse, HISTORY) == before
    assert sorted(p.name for p in warehouse.parent.iterdir()) == [
        "ecei.duckdb",
        "ecei.duckdb.alerts.lock",
        "ecei.duckdb.lock",
    ]


# what people were told and decided: the tables a replay carries rather than rebuilds
LEDGER = {
    "alert_log": "select * from alert_log order by alert_id",
    "alert_deliveries": "select * from alert_deliveries order by all",
    "alert_runs": "select * from alert_runs order by alert_run_id",
    "person": "select * exclude (link_id) from cluster_links where decided_by = 'person' order by link_id",
}
OLD, NEW = "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster"
TOLD_ON = dt.date(2021, 10, 1)


def tell_and_decide(db: Path, webhook: Webhook) -> None:
    """An alerts run delivered to a real receiver, then a person undoing the scoring's rename link."""
    told = run_alerts(Settings(db=db), TOLD_ON, notify=[webhook.url()])
    assert told.status == "ok" and told.delivered > 0 and len(webhook.posts) == 1
    assert decide_link(Settings(db=db), OLD, NEW, linked=False, country=None).moved == 1


def assert_nothing_sent_again(db: Path, webhook: Webhook) -> None:
    again = run_alerts(Settings(db=db), TOLD_ON, notify=[webhook.url()])
    assert (again.status, again.raised, again.due, again.delivered) == ("ok", [], [], 0)
    assert len(webhook.posts) == 1, "an alert was sent again after the rebuild"


def test_a_rebuild_keeps_when_each_subscriber_started_and_what_it_was_told(
    warehouse: Path, webhook: Webhook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_HOOK", webhook.url("hooks/desk-TOKEN"))
    subscriptions = tmp_path / "subscriptions.yaml"
    subscriptions.write_text("subscriptions:\n  - name: desk\n    notify: ${DESK_HOOK}\n    countries: [Norway]\n")
    # with a debt the rebuild must carry: a channel of ECEI_NOTIFY that refused its alerts, owed them still
    closed = ["json://127.0.0.1:9/closed"]
    told = run_alerts(Settings(db=warehouse, subscriptions=subscriptions, notify=closed), TOLD_ON)
    assert told.status == "undelivered" and len(webhook.posts) == 1
    seen = query(warehouse, "select * from subscriptions")
    assert [s[0] for s in seen] == ["desk"]
    owed = query(warehouse, "select * from alert_outbox order by alert_id, recipient")
    recipients = query(warehouse, "select * from alert_recipients order by recipient")
    assert any(row[3] is None for row in owed) and len(recipients) == 2

    result = replay(warehouse, in_place=True)

    assert query(result.target, "select * from subscriptions") == seen
    assert query(result.target, "select * from alert_outbox order by alert_id, recipient") == owed
    assert query(result.target, "select * from alert_recipients order by recipient") == recipients
    again = run_alerts(Settings(db=result.target, subscriptions=subscriptions), TOLD_ON)
    assert (again.status, again.raised, again.due) == ("ok", [], [])
    assert len(webhook.posts) == 1, "a subscriber was told again after the rebuild"


@pytest.mark.parametrize("in_place", [False, True], ids=["into", "in-place"])
def test_a_rebuild_keeps_what_people_were_told_and_decided(warehouse: Path, webhook: Webhook, in_place: bool) -> None:
    tell_and_decide(warehouse, webhook)
    before = {name: query(warehouse, sql) for name, sql in {**LEDGER, "history": HISTORY, "changes": CHANGES}.items()}
    assert before["person"] and before["alert_log"] and before["alert_deliveries"]

    result = replay(warehouse, in_place=in_place)

    for name, sql in {**LEDGER, "history": HISTORY, "changes": CHANGES}.items():
        assert query(result.target, sql) == before[name], name
    # the person's unlink is still in force: the two names are two clusters
    two = "select count(distinct cluster_id) from cluster_history where name in (?, ?)"
    assert query(result.target, two, [OLD, NEW]) == [(2,)]
    assert_nothing_sent_again(result.target, webhook)


def test_into_an_existing_file_is_refused(warehouse: Path, tmp_path: Path) -> None:
    taken = tmp_path / "taken.duckdb"
    taken.write_bytes(b"")
    with pytest.raises(Refused, match="exists"):
        replay(warehouse, into=taken)


class DayFirstDates(ClusterRow):
    """A later version of the contract: also reads `19 Sep 2021`, which the crawl's contract rejects."""

    @field_validator("valid_until", mode="before")
    @classmethod
    def _day_first(cls, value: Any) -> Any:
        try:
            return dt.datetime.strptime(value.strip(), "%d %b %Y").date()
        except (AttributeError, ValueError):
            return value


def day_first(body: bytes) -> bytes:
    """Norway's first label date written day first with a month name, as a site redesign might."""
    text = body.decode()
    date = re.search(r"(\d{4})/(\d{2})/(\d{2})", text)
    assert date is not None
    written = dt.date(int(date[1]), int(date[2]), int(date[3])).strftime("%d %b %Y")
    return text.replace(date[0], written, 1).encode()


def test_relaxed_rule_gains_the_rejected_row_at_its_original_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the crawl runs today's real contract in its child process: the day-first date is quarantined
    db = tmp_path / "ecei.duckdb"
    first, second = crawl(db, ("2016-06", "2018-10"), {COUNTRY_PATH + NORWAY: Fault(rewrite=day_first)})
    reason = query(db, "select raw->>'name', reason from rejected_rows where run_id = ? and reason like 'valid%'", [1])
    assert len(reason) == 1 and "YYYY/MM/DD" in reason[0][1]
    name = reason[0][0]
    run1_started = query(db, "select started_at from crawl_runs where run_id = 1")[0][0]
    assert query(db, "select min(valid_from) from cluster_history where name = ?", [name])[0][0] > run1_started

    # then the contract learns day-first dates (swapped in where the pipeline's function reads it)
    monkeypatch.setattr(pipelines.validate_rows, "ClusterRow", DayFirstDates)
    result = replay(db)
    gained = query(result.target, "select valid_from, run_id_from from cluster_history where name = ?", [name])
    assert gained[0] == (run1_started, 1)
    assert query(result.target, "select count(*) from rejected_rows where run_id = 1 and reason like 'valid%'") == [
        (0,)
    ]
    figures = "select rows_loaded, rows_rejected from crawl_runs where run_id = 1"
    old, new = query(db, figures)[0], query(result.target, figures)[0]
    assert new == (old[0] + 1, old[1] - 1)
    # the row is added by the first run now, no longer by the second
    added = (result.runs[0].figures["added"], result.runs[1].figures["added"])
    assert added == (first.recorded["added"] + 1, second.recorded["added"] - 1)
