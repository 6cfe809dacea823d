"""Alerts runs on hand-made histories, delivered to real receivers: the ladder, the kinds,
exactly-once delivery, pending on failure."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from ecei.alerts import delivery_store
from ecei.alerts.channels import channel_id, channel_name
from ecei.alerts.run import run_alerts, send_test_messages
from ecei.moments import parse_when
from ecei.outcome import Refused, Status
from ecei.settings import Settings
from tests.conftest import query
from tests.receivers import Mailbox, SlowWebhook, Webhook
from tests.warehouse.staged_runs import T0, merge, row
from warehouse.db import connect

Build = Callable[..., Settings]


@pytest.fixture
def build(tmp_path: Path) -> Build:
    """A warehouse from hand-made complete runs, one list of rows per run, a day apart."""

    def make(*runs: list[dict[str, Any]], complete: bool = True) -> Settings:
        db = tmp_path / "w.duckdb"
        with closing(connect(db)) as con:
            start = len(con.execute("select * from runs").fetchall())
            for i, rows in enumerate(runs):
                merge(con, tmp_path / "stage", rows, T0 + dt.timedelta(days=start + i), complete=complete)
        return Settings(db=db, notify=[])

    return make


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def kinds(result: Any) -> list[tuple[str, str | None, int | None]]:
    return [(a.kind, a.name, a.threshold_days) for a in result.raised]


def expiring(result: Any) -> list[tuple[str, str | None, int | None]]:
    return [k for k in kinds(result) if k[0] == "expiring"]


def test_ladder_sends_each_rung_once_and_only_the_tightest(build: Build) -> None:
    settings = build([row("A", "2018-09-01"), row("B", "2018-07-05"), row("C", "2019-01-01")])
    first = run_alerts(settings, day("2018-07-01"), [90, 30, 7], notify=[])
    # A is 62 days away (rung 90); B is 4 days away: it crossed 90, 30 and 7 at once, only 7 is raised
    assert sorted(expiring(first)) == [("expiring", "A", 90), ("expiring", "B", 7)]
    assert expiring(run_alerts(settings, day("2018-07-02"), [90, 30, 7], notify=[])) == []
    assert expiring(run_alerts(settings, day("2018-08-05"), [90, 30, 7], notify=[])) == [
        ("expiring", "A", 30)
    ]  # B lapsed meanwhile: a lapsed alert
    # a looser rung is never raised after a tighter one, whatever the ladder asked now
    assert expiring(run_alerts(settings, day("2018-08-06"), [90], notify=[])) == []
    assert expiring(run_alerts(settings, day("2018-08-30"), [90, 30, 7], notify=[])) == [("expiring", "A", 7)]


def test_within_90_names_labels_lapsing_in_the_next_90_days(build: Build) -> None:
    rows = [row("today", "2018-07-01"), row("soon", "2018-07-02"), row("edge", "2018-09-29"), row("far", "2018-09-30")]
    settings = build(rows)
    result = run_alerts(settings, day("2018-07-01"), [90], notify=[])
    # lapsing by label_status: still valid (its last day too, 0 days left) with 90 days or fewer left
    assert sorted(a.name for a in result.raised if a.kind == "expiring") == ["edge", "soon", "today"]
    edge = next(a for a in result.raised if a.name == "edge")
    assert (edge.days_left, edge.threshold_days) == (90, 90)


def test_first_run_reports_lapses_of_the_past_year_then_only_new_ones(build: Build) -> None:
    settings = build([row("old", "2017-06-30"), row("recent", "2017-07-01"), row("last week", "2018-06-24")])
    first = run_alerts(settings, day("2018-07-01"), [90], notify=[])
    lapsed = {a.name: a for a in first.raised if a.kind == "lapsed"}
    assert set(lapsed) == {"recent", "last week"}  # 'old' lapsed more than a year ago
    assert lapsed["recent"].renewal_closes_on == day("2018-07-01")
    assert lapsed["last week"].renewal_closes_on == day("2019-06-24")
    assert lapsed["last week"].days_left == -7


def test_renewed_and_delisted_come_from_the_refreshes_since_the_last_run(build: Build) -> None:
    settings = build([row("A", "2018-09-01"), row("B", "2018-09-01")])
    run_alerts(settings, day("2018-07-01"), [30], notify=[])
    build([row("A", "2021-09-01")])  # A renewed, B delisted, in one complete run
    result = run_alerts(settings, day("2018-07-02"), [30], notify=[])
    by_kind = {a.kind: a for a in result.raised}
    assert set(by_kind) == {"renewed", "delisted"}
    assert (by_kind["renewed"].name, by_kind["renewed"].previous_label_date, by_kind["renewed"].label_date) == (
        "A",
        day("2018-09-01"),
        day("2021-09-01"),
    )
    assert by_kind["delisted"].name == "B"
    assert kinds(run_alerts(settings, day("2018-07-03"), [30], notify=[])) == []


def test_stale_once_per_incident(build: Build) -> None:
    settings = build([row("A", "2030-01-01")])  # one complete run on T0 (2024-01-01)
    assert kinds(run_alerts(settings, day("2024-01-02"), [30], notify=[])) == []
    stale = run_alerts(settings, day("2024-01-04"), [30], notify=[])
    assert kinds(stale) == [("stale", None, None)]
    assert "no complete refresh for 3 days" in (stale.raised[0].detail or "")
    build([row("A", "2030-01-01")], complete=False)  # a partial run: the same incident
    assert kinds(run_alerts(settings, day("2024-01-05"), [30], notify=[])) == []
    build([row("A", "2030-01-01")])  # complete again, then a partial one: a new incident
    build([row("A", "2030-01-01")], complete=False)
    again = run_alerts(settings, day("2024-01-05"), [30], notify=[])
    assert kinds(again) == [("stale", None, None)]
    assert "was partial" in (again.raised[0].detail or "")


def test_no_channel_keeps_alerts_pending_then_one_delivery(build: Build, webhook: Webhook) -> None:
    settings = build([row("A", "2018-08-01")])
    quiet = run_alerts(settings, day("2018-07-01"), [90], notify=[])
    assert quiet.status == "ok"
    assert quiet.pending_after == 1 and "no channel" in (quiet.message or "")
    loud = run_alerts(settings, day("2018-07-01"), [90], notify=[webhook.url()])
    assert (loud.delivered, loud.pending_after, len(webhook.posts)) == (1, 0, 1)
    run_alerts(settings, day("2018-07-02"), [90], notify=[webhook.url()])
    assert len(webhook.posts) == 1, "delivered twice"


def test_digest_content_at_the_webhook(build: Build, webhook: Webhook) -> None:
    a = row("Arena <script>x</script>", "2018-08-01", portfolio="Food")
    a["website"] = "http://arena.example/"
    settings = build([a, row("B", "2018-09-15")])
    result = run_alerts(settings, day("2018-07-01"), [90, 30], notify=[webhook.url()])
    assert result.status == "ok" and [c.error for c in result.channels] == [None]
    (post,) = webhook.posts
    assert post["title"] == "ecei-watch: 2 label alerts (2018-07-01)"
    message = post["message"]
    assert "Arena &lt;script&gt;x&lt;/script&gt;" in message and "<script>" not in message
    for fact in ("Norway", "Food", "2018-08-01", "31 days left", "http://arena.example/", "76 days left"):
        assert fact in message


def test_failing_receiver_leaves_alerts_pending_and_the_next_run_delivers_once(build: Build, webhook: Webhook) -> None:
    settings = build([row("A", "2018-08-01"), row("B", "2018-08-02")])
    webhook.fail = 1
    failed = run_alerts(settings, day("2018-07-01"), [90], notify=[webhook.url()])
    assert failed.status == "undelivered"
    assert failed.pending_after == 2 and webhook.posts == []
    assert "SECRET-TOKEN" not in (failed.message or "")
    logged = query(settings.db, "select name, delivered_at, attempts, last_error from alert_log order by name")
    assert [(n, d, a) for n, d, a, _ in logged] == [("A", None, 1), ("B", None, 1)]
    assert all("500" in e for *_, e in logged)

    retried = run_alerts(settings, day("2018-07-02"), [90], notify=[webhook.url()])
    assert (retried.status, retried.delivered, retried.pending_after) == ("ok", 2, 0)
    assert len(webhook.posts) == 1 and webhook.posts[0]["message"].count("<li>") == 2
    run_alerts(settings, day("2018-07-03"), [90], notify=[webhook.url()])
    assert len(webhook.posts) == 1
    delivered = query(settings.db, "select count(*) from alert_log where delivered_at is not null and attempts = 2")
    assert delivered == [(2,)]


def test_a_channel_that_has_an_alert_never_gets_it_again(build: Build, webhook: Webhook, smtp: Mailbox) -> None:
    settings = build([row("A", "2018-08-01")])
    good, bad = webhook.url("good"), "json://127.0.0.1:9/closed"  # nothing listens on port 9
    first = run_alerts(settings, day("2018-07-01"), [90], notify=[good, bad])
    assert first.status == "undelivered" and len(webhook.posts) == 1
    second = run_alerts(settings, day("2018-07-01"), [90], notify=[good, smtp.url()])
    assert second.status == "ok" and second.delivered == 1
    assert len(webhook.posts) == 1 and len(smtp.messages) == 1


def test_mail_digest_escapes_names(build: Build, smtp: Mailbox) -> None:
    settings = build([row("<script>alert('x')</script> Cluster", "2018-08-01")])
    result = run_alerts(settings, day("2018-07-01"), [90], notify=[smtp.url()])
    assert result.status == "ok"
    html = smtp.html_of(smtp.messages[0])
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_dry_run_records_and_sends_nothing(build: Build, webhook: Webhook) -> None:
    settings = build([row("A", "2018-08-01")])
    dry = run_alerts(settings, day("2018-07-01"), [90], notify=[webhook.url()], dry_run=True)
    assert dry.status == "dry-run" and [a.name for a in dry.raised] == ["A"]
    assert webhook.posts == [] and query(settings.db, "select count(*) from alert_log") == [(0,)]


def test_alert_key_is_unique(build: Build) -> None:
    settings = build([row("A", "2018-08-01")])
    run_alerts(settings, day("2018-07-01"), [90], notify=[])
    with closing(connect(settings.db)) as con, pytest.raises(Exception, match=r"(?i)constraint"):
        con.execute(
            "insert into alert_log (alert_key, kind, today, alert_run_id, created_at) "
            "select alert_key, kind, today, alert_run_id, created_at from alert_log"
        )


def test_a_rename_tells_the_subscribers_once(build: Build, webhook: Webhook) -> None:
    settings = build([row("NCE Seafood Innovation Cluster", "2018-06-16"), row("B", "2030-01-01")])
    run_alerts(settings, day("2018-07-01"), [30], notify=[])  # what the first refresh raised (a lapse)
    build([row("Seafood Innovation Cluster", "2021-06-16"), row("B", "2030-01-01")])  # renamed and renewed
    result = run_alerts(settings, day("2018-07-02"), [30], notify=[webhook.url()])
    new_name = "Seafood Innovation Cluster"
    assert sorted(kinds(result)) == [("renamed", new_name, None), ("renewed", new_name, None)]
    (post,) = webhook.posts  # with the lapse the first run left pending
    message = post["message"]
    assert "Clusters renamed (1)" in message and "Labels renewed (1)" in message
    assert "now listed as Seafood Innovation Cluster (was NCE Seafood Innovation Cluster)" in message
    assert message.index("Labels renewed") < message.index("Clusters renamed")  # the declared order
    assert kinds(run_alerts(settings, day("2018-07-03"), [30], notify=[webhook.url()])) == []


# a second process that opens the warehouse for writing and holds it until told to let go
HOLDER = "import duckdb, sys\ncon = duckdb.connect(sys.argv[1])\nprint('holding', flush=True)\nsys.stdin.readline()\n"


def test_a_digest_delivered_while_another_process_holds_the_warehouse_is_never_sent_again(
    build: Build, webhook: Webhook
) -> None:
    settings = build([row("A", "2018-08-01")]).model_copy(update={"busy_timeout": 0.5})
    holders: list[subprocess.Popen[str]] = []

    def hold_the_warehouse() -> None:
        # the digest has arrived: before answering, another process takes the file
        child = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(settings.db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        holders.append(child)
        assert child.stdout is not None and child.stdout.readline() == "holding\n"

    webhook.before_answer = hold_the_warehouse
    try:
        held = run_alerts(settings, day("2018-07-01"), [90], notify=[webhook.url()])
    finally:
        webhook.before_answer = None
        for child in holders:
            child.communicate("\n", timeout=60)
    assert len(holders) == 1, "the holder never took the warehouse"
    assert held.status == "busy" and len(webhook.posts) == 1
    assert "the next run records" in (held.message or "")
    assert f"The 1 messages delivered (to {channel_name(webhook.url())})" in (held.message or "")

    # a dry run answers as the next run will: what the store holds is delivered, and stays stored
    dry = run_alerts(settings, day("2018-07-01"), [90], notify=[webhook.url()], dry_run=True)
    assert (dry.status, dry.due) == ("dry-run", []), "the stored delivery shown as pending"
    assert "the 1 deliveries kept in " in (dry.message or "")
    assert stored(settings.db) == 1
    assert query(settings.db, "select count(*) from alert_log where delivered_at is not null") == [(0,)]

    again = run_alerts(settings, day("2018-07-01"), [90], notify=[webhook.url()])
    assert (again.status, again.due, len(webhook.posts)) == ("ok", [], 1), "sent again"
    delivered = (
        "select a.name, a.delivered_at is not null, d.channel "
        "from alert_log as a join alert_deliveries as d using (alert_id)"
    )
    assert query(settings.db, delivered) == [("A", True, channel_id(webhook.url()))]
    runs = query(settings.db, "select alert_run_id, status, raised from alert_runs order by 1")
    assert runs == [(1, "failed", 1), (2, "ok", 0)]  # the first settled from the store, not left running
    assert stored(settings.db) == 0


def test_a_run_dated_later_does_not_swallow_the_lapses_of_one_dated_right(build: Build) -> None:
    settings = build([row("A", "2018-06-25"), row("B", "2018-07-10")])
    assert kinds(run_alerts(settings, day("2018-06-20"), [7], notify=[])) == [("expiring", "A", 7)]
    # a clock thirty days ahead: A and B read as lapsed already
    ahead = run_alerts(settings, day("2018-07-31"), [7], notify=[])
    assert sorted(kinds(ahead)) == [("lapsed", "A", None), ("lapsed", "B", None)]
    # then a refresh lists C, whose label lapsed three days ago, and the clock is right again
    build([row("A", "2018-06-25"), row("B", "2018-07-10"), row("C", "2018-06-28")])
    right = run_alerts(settings, day("2018-07-01"), [7], notify=[])
    assert [k for k in kinds(right) if k[0] == "lapsed"] == [("lapsed", "C", None)]
    # and none twice: the next run finds no lapse it raised before
    assert [k for k in kinds(run_alerts(settings, day("2018-07-02"), [7], notify=[])) if k[0] == "lapsed"] == []
    keys = query(settings.db, "select count(*), count(distinct alert_key) from alert_log where kind = 'lapsed'")
    assert keys == [(3, 3)]


def stored(db: Path) -> int:
    """How many deliveries the delivery store beside `db` holds, not yet settled into the ledger."""
    return len(delivery_store.read(db).deliveries)


LEDGER = ("alert_log", "alert_runs", "alert_deliveries")


def ledger_rows(db: Path) -> list[int]:
    return [query(db, f"select count(*) from {t}")[0][0] for t in LEDGER]


def test_a_channel_that_cannot_work_is_refused_before_anything_is_raised(build: Build, webhook: Webhook) -> None:
    settings = build([row("A", "2018-08-01")])
    plain = f"https://127.0.0.1:{webhook.port}/hooks/SECRET-TOKEN"
    for given in ([webhook.url(), plain], None):
        chosen = settings if given else settings.model_copy(update={"notify": [webhook.url(), plain]})
        with pytest.raises(Refused) as refused:
            run_alerts(chosen, day("2018-07-01"), [90], notify=given)
        said = str(refused.value)
        assert said.startswith("--notify: " if given else "ECEI_NOTIFY: ")
        assert f"https://127.0.0.1:{webhook.port}: Apprise does not take a plain https:// URL" in said
        assert "jsons://" in said and "SECRET-TOKEN" not in said
    assert webhook.posts == [] and ledger_rows(settings.db) == [0, 0, 0]


def test_channels_take_a_test_message_and_nothing_is_recorded(build: Build, webhook: Webhook) -> None:
    settings = build([row("A", "2018-08-01")])
    closed = "json://127.0.0.1:9/closed"  # nothing listens on port 9
    tried = send_test_messages(settings, [webhook.url(), closed])
    assert tried.status == Status.UNDELIVERED
    good, bad = tried.channels
    assert (good.name, good.channel, good.error) == (channel_name(webhook.url()), channel_id(webhook.url()), None)
    assert bad.name == "json://127.0.0.1:9" and "Connection error" in (bad.error or "")
    assert len(webhook.posts) == 1 and webhook.posts[0]["test"] is True
    assert send_test_messages(settings, [webhook.url()]).status == Status.OK
    assert ledger_rows(settings.db) == [0, 0, 0]
    with pytest.raises(Refused, match="no channel configured"):
        send_test_messages(settings, [])


def test_a_test_message_waits_no_longer_than_the_notify_timeout(tmp_path: Path, slow_webhook: SlowWebhook) -> None:
    # no warehouse at all: a test of the channels needs none
    tried = send_test_messages(Settings(db=tmp_path / "none.duckdb", notify_timeout=2), [slow_webhook.url()])
    assert tried.status == Status.UNDELIVERED
    assert "did not answer within 2 s (ECEI_NOTIFY_TIMEOUT)" in (tried.channels[0].error or "")
    assert len(slow_webhook.posts) == 1 and slow_webhook.answered == 0


def test_a_json_webhook_gets_the_alerts_as_the_ledger_holds_them(build: Build, webhook: Webhook) -> None:
    settings = build([row("A", "2018-08-01"), row("B", "2018-06-01")])
    result = run_alerts(settings, day("2018-07-01"), [90], notify=[webhook.url()])
    assert result.status == "ok"
    (post,) = webhook.posts
    ledger = query(
        settings.db,
        "select alert_id, kind, cluster_id, name, country, label_date::varchar, days_left from alert_log order by 1",
    )
    fields = ("alert_id", "kind", "cluster_id", "name", "country", "label_date", "days_left")
    assert [tuple(a[f] for f in fields) for a in post["alerts"]] == ledger
    assert post["today"] == "2018-07-01" and post["test"] is False


# runs at three dates, a year and more apart: A renewed, B delisted, C added by the second
def staged_history(tmp_path: Path) -> Settings:
    db = tmp_path / "w.duckdb"
    with closing(connect(db)) as con:
        merge(con, tmp_path / "s", [row("A", "2018-03-01"), row("B", "2018-05-01")], dt.datetime(2018, 1, 10, 9))
        merge(con, tmp_path / "s", [row("A", "2021-03-01"), row("C", "2019-03-01")], dt.datetime(2019, 1, 10, 9))
        merge(con, tmp_path / "s", [row("A", "2021-03-01"), row("C", "2019-03-01")], dt.datetime(2020, 1, 10, 9))
    return Settings(db=db, notify=[])


def summary(result: Any) -> list[tuple[str, str | None, dt.date | None, int | None]]:
    return sorted((a.kind, a.name, a.label_date, a.days_left) for a in result.raised)


def test_dry_run_as_of_judges_the_list_as_it_stood(tmp_path: Path) -> None:
    settings = staged_history(tmp_path)

    first = run_alerts(settings, None, [90], dry_run=True, as_of=parse_when("2018-01-10"))
    assert (first.as_of, first.today) == (dt.datetime(2018, 1, 10, 23, 59, 59, 999999), day("2018-01-10"))
    assert summary(first) == [("expiring", "A", day("2018-03-01"), 50)]  # B is 111 days away, C not listed yet

    # the second refresh against its predecessor: A renewed, B delisted; C's label judged on the day given
    second = run_alerts(settings, day("2019-02-01"), [90], dry_run=True, as_of=parse_when("run:2"))
    assert second.as_of == dt.datetime(2019, 1, 10, 9) and second.today == day("2019-02-01")
    assert summary(second) == [
        ("delisted", "B", day("2018-05-01"), -276),
        ("expiring", "C", day("2019-03-01"), 28),
        ("renewed", "A", day("2021-03-01"), 759),
        ("stale", None, None, None),  # 22 days after the refresh it looks at
    ]
    assert second.due == second.raised and second.status == "dry-run"

    # a timestamp between the runs is the list of the first; before any run, the watcher alone
    between = run_alerts(settings, day("2018-01-11"), [90], dry_run=True, as_of=parse_when("2018-06-01T00:00"))
    assert [a.name for a in between.raised] == ["A"]
    before = run_alerts(settings, day("2017-06-01"), [90], dry_run=True, as_of=parse_when("2017-06-01"))
    assert [(a.kind, a.detail) for a in before.raised] == [("stale", "no refresh has run yet")]
    assert ledger_rows(settings.db) == [0, 0, 0]


def test_dry_run_as_of_shows_what_the_ledger_already_holds(tmp_path: Path) -> None:
    settings = staged_history(tmp_path)
    raised = run_alerts(settings, day("2019-02-01"), [90])  # the latest list: C expiring, raised now
    assert [(a.kind, a.name) for a in raised.raised] == [("expiring", "C")]
    latest = run_alerts(settings, day("2019-02-01"), [90], dry_run=True)
    assert [a.name for a in latest.raised] == []  # raised already: a dry run of now has nothing new
    looked_back = run_alerts(settings, day("2019-02-01"), [90], dry_run=True, as_of=parse_when("2020-01-10"))
    assert [(a.kind, a.name) for a in looked_back.raised] == [("expiring", "C")]  # the list then, ledger aside


def test_as_of_is_for_dry_runs_only(tmp_path: Path) -> None:
    settings = staged_history(tmp_path)
    with pytest.raises(ValueError, match="dry runs only"):
        run_alerts(settings, None, [90], as_of=parse_when("2018-01-10"))
    assert ledger_rows(settings.db) == [0, 0, 0]


def test_the_readmes_look_back_on_the_demo_history(history_db: Path, tmp_path: Path) -> None:
    # the manual (subscriber/alerts.md), "Looking back": the list of the 2018-10-15 refresh (run 2), judged that day
    db = tmp_path / "demo.duckdb"
    db.write_bytes(history_db.read_bytes())
    result = run_alerts(Settings(db=db, notify=[]), day("2018-10-15"), dry_run=True, as_of=parse_when("run:2"))
    assert Counter(a.kind for a in result.raised) == {"lapsed": 19, "renewed": 7, "expiring": 1}
    first, second = result.raised[:2]
    assert (first.kind, first.name, first.label_date, first.days_left) == (
        "expiring",
        "bioPmed Piemonte innovation cluster",
        day("2019-01-10"),
        87,
    )
    assert (second.kind, second.name, second.days_left) == ("lapsed", "Arena Magica", -359)


def test_a_large_digest_goes_in_parts_and_a_refused_part_waits_with_those_after_it(
    build: Build, webhook: Webhook
) -> None:
    rows = [row(f"C{i}", f"2018-08-0{1 + i}") for i in range(5)]
    settings = build(rows).model_copy(update={"digest_max_alerts": 2})

    def refuse_the_next() -> None:  # the first part is taken, the second refused
        webhook.fail, webhook.before_answer = 1, None

    webhook.before_answer = refuse_the_next
    first = run_alerts(settings, day("2018-07-01"), [90], notify=[webhook.url()])
    assert first.status == "undelivered" and first.pending_after == 3
    assert len(webhook.posts) == 1 and "part 1 of 3" in webhook.posts[0]["title"]
    assert (webhook.posts[0]["part"], webhook.posts[0]["parts"], len(webhook.posts[0]["alerts"])) == (1, 3, 2)
    assert [(c.alerts, c.messages, c.delivered, c.pending) for c in first.channels] == [(5, 1, 2, 3)]

    second = run_alerts(settings, day("2018-07-01"), [90], notify=[webhook.url()])
    assert second.status == "ok" and second.pending_after == 0
    assert [(p["part"], p["parts"]) for p in webhook.posts[1:]] == [(1, 2), (2, 2)]  # the three left, in two
    told = Counter(a["name"] for p in webhook.posts for a in p["alerts"])
    assert told == Counter({f"C{i}": 1 for i in range(5)})  # each alert once, none lost
    third = run_alerts(settings, day("2018-07-01"), [90], notify=[webhook.url()])
    assert third.status == "ok" and len(webhook.posts) == 3
