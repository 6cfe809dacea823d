"""Nobody forgotten: what each recipient is owed is data (alert_outbox), kept whoever a run
configures; the delivery store never tears and never sends twice unknowingly; alerts name the
events that raise them. Real warehouses, real refreshes, real webhook receivers on loopback, real
processes."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ecei.alerts.run import dismiss, run_alerts
from ecei.beside import beside
from ecei.history.status import status
from ecei.settings import Settings
from tests.conftest import query
from tests.receivers import Hooks, Webhook
from tests.warehouse.staged_runs import T0, merge, row
from warehouse.db import connect, migrations, sql_file

TODAY = dt.date(2018, 7, 1)
# a second process that opens the warehouse for writing and holds it until told to let go
HOLDER = "import duckdb, sys\ncon = duckdb.connect(sys.argv[1])\nprint('holding', flush=True)\nsys.stdin.readline()\n"


def refresh(db: Path, tmp: Path, rows: list[dict[str, Any]]) -> None:
    """One complete refresh listing `rows`, a day after the one before."""
    with closing(connect(db)) as con:
        start = len(con.execute("select * from runs").fetchall())
        merge(con, tmp / "stage", rows, T0 + dt.timedelta(days=start))


def names(hook: Webhook) -> list[str]:
    return sorted(f"{a['name']}/{a['kind']}" for post in hook.posts for a in post["alerts"])


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- owed means owed --------------------------------------------------------------------------------


def test_a_renamed_subscription_inherits_what_its_old_name_is_owed(
    tmp_path: Path, hooks: Hooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    (desk,) = hooks(1)
    monkeypatch.setenv("DESK_HOOK", desk.url("hooks/desk-TOKEN"))
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, [row(f"C{i:02d}", f"2018-08-{1 + i:02d}") for i in range(17)])
    old = write(tmp_path / "old.yaml", "subscriptions:\n  - name: desk\n    notify: ${DESK_HOOK}\n")
    desk.fail = 1
    failed = run_alerts(Settings(db=db, subscriptions=old), TODAY, [90])
    assert failed.status == "undelivered" and desk.posts == []

    renamed = "subscriptions:\n  - name: norway-desk\n    formerly: [desk]\n    notify: ${DESK_HOOK}\n"
    settings = Settings(db=db, subscriptions=write(tmp_path / "new.yaml", renamed))
    before = status(settings)
    assert [(c.channel.split(" ")[0], c.pending) for c in before.channels] == [("norway-desk", 17)]
    assert before.pending == 17
    healed = run_alerts(settings, TODAY, [90])
    assert healed.status == "ok" and healed.delivered == 17
    assert len(names(desk)) == 17 == len(set(names(desk)))
    assert query(db, "select subscription from subscriptions") == [("norway-desk",)]
    assert status(settings).pending == 0


def test_a_channel_missing_from_a_run_keeps_what_it_is_owed(tmp_path: Path, hooks: Hooks) -> None:
    usual, once = hooks(2)
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, [row("A", "2018-08-01"), row("B", "2018-08-02")])
    settings = Settings(db=db, notify=[usual.url("hooks/usual-TOKEN")])
    usual.fail = 1
    assert run_alerts(settings, TODAY, [90]).status == "undelivered"
    # a one-off run to another channel, then a run with ECEI_NOTIFY unset: neither forgets `usual`
    assert run_alerts(settings, TODAY, [90], notify=[once.url("hooks/once-TOKEN")]).status == "ok"
    refresh(db, tmp_path, [row("A", "2018-08-01"), row("B", "2018-08-02"), row("C", "2018-08-03")])
    assert run_alerts(settings, TODAY, [90], notify=[]).status == "ok"  # C raised while nobody is configured
    owed = {c.channel: (c.pending, c.configured) for c in status(settings.model_copy(update={"notify": []})).channels}
    assert owed[f"json://127.0.0.1:{usual.port}, not configured"] == (3, False)
    back = run_alerts(settings, TODAY, [90])
    assert back.status == "ok" and names(usual) == ["A/expiring", "B/expiring", "C/expiring"]
    assert names(once) == ["A/expiring", "B/expiring"]  # C stays owed to it, until it is back or dismissed
    assert query(db, "select count(*) from alert_log where delivered_at is null") == [(1,)]  # C, owed to `once`


def test_an_alert_no_longer_true_is_closed_saying_why_and_a_person_can_dismiss(tmp_path: Path, hooks: Hooks) -> None:
    (hook,) = hooks(1)
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, [row("A", "2018-08-01"), row("B", "2018-08-02")])
    settings = Settings(db=db, notify=[hook.url("hooks/h-TOKEN")])
    hook.fail = 1
    run_alerts(settings, TODAY, [90])
    refresh(db, tmp_path, [row("A", "2019-08-01"), row("B", "2018-08-02")])  # A renewed before delivery
    done = dismiss(settings, f"json://127.0.0.1:{hook.port}", [2], False, "B's people were told by phone")
    assert done.alert_ids == [2]
    healed = run_alerts(settings, TODAY, [90])
    assert healed.status == "ok" and names(hook) == ["A/renewed"]
    closed = query(db, "select alert_id, closed_as, why from alert_outbox where closed_as <> 'delivered' order by 1")
    assert closed == [
        (1, "no longer true", "its label now runs to 2019-08-01"),
        (2, "dismissed", "B's people were told by phone"),
    ]
    unreached = query(db, "select alert_id, delivered_at is null, unreached_why is not null from alert_log order by 1")
    assert unreached[:2] == [(1, True, True), (2, True, True)]  # reached nobody: not recorded as delivered


# -- a delivery record that cannot tear ------------------------------------------------------------


def hold_while_answering(settings: Settings, hook: Webhook) -> list[subprocess.Popen[str]]:
    holders: list[subprocess.Popen[str]] = []

    def hold() -> None:
        child = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(settings.db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        holders.append(child)
        assert child.stdout is not None and child.stdout.readline() == "holding\n"
        hook.before_answer = None

    hook.before_answer = hold
    return holders


def test_a_torn_journal_line_then_a_busy_warehouse_sends_nothing_twice(tmp_path: Path, hooks: Hooks) -> None:
    (hook,) = hooks(1)
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, [row("A", "2018-08-01")])
    settings = Settings(db=db, notify=[hook.url("hooks/h-TOKEN")], busy_timeout=0.5)
    # an older version crashed mid-append: its journal ends in a torn line
    write(beside(db, ".deliveries.jsonl"), '{"alert_run_id": 7, "channel": "json:aa')
    holders = hold_while_answering(settings, hook)
    try:
        held = run_alerts(settings, TODAY, [90])
    finally:
        for child in holders:
            child.communicate("\n", timeout=60)
    assert held.status == "busy" and len(hook.posts) == 1
    again = run_alerts(settings, TODAY, [90])
    assert (again.status, len(hook.posts)) == ("ok", 1), "sent again"
    assert any("line 1: not a whole delivery" in w for w in held.warnings)
    assert not beside(db, ".deliveries.jsonl").exists()
    assert query(db, "select status from alert_runs order by 1") == [("failed",), ("ok",)]


def test_a_store_that_cannot_be_written_sends_nothing_and_says_so(tmp_path: Path, hooks: Hooks) -> None:
    (hook,) = hooks(1)
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, [row("A", "2018-08-01")])
    settings = Settings(db=db, notify=[hook.url("hooks/h-TOKEN")])
    for suffix in (".deliveries.sqlite", ".deliveries.jsonl"):  # a dangling link, old name and new
        beside(db, suffix).symlink_to(tmp_path / "gone" / "deliveries")
    first = run_alerts(settings, TODAY, [90])
    assert first.status == "undelivered" and "delivery store" in (first.message or "")
    assert "\n" not in (first.message or "") and hook.posts == []
    second = run_alerts(settings, TODAY, [90])
    assert second.status == "undelivered" and hook.posts == []
    assert query(db, "select count(*) from alert_runs where status = 'running'") == [(0,)]
    for suffix in (".deliveries.sqlite", ".deliveries.jsonl"):
        beside(db, suffix).unlink()
    assert run_alerts(settings, TODAY, [90]).status == "ok" and len(hook.posts) == 1


def test_a_mistyped_journal_line_is_a_warning_everywhere(tmp_path: Path, hooks: Hooks) -> None:
    (hook,) = hooks(1)
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, [row("A", "2018-08-01")])
    settings = Settings(db=db, notify=[hook.url("hooks/h-TOKEN")])
    bad = {
        "alert_run_id": "x",
        "channel": ["a"],
        "alert_ids": [1],
        "channels": [],
        "delivered_at": "2024-01-02T03:04:05",
    }
    write(beside(db, ".deliveries.jsonl"), json.dumps(bad) + "\n")
    assert any("line 1" in w for w in status(settings).warnings)
    dry = run_alerts(settings, TODAY, [90], dry_run=True)
    assert dry.status == "dry-run" and any("line 1" in w for w in dry.warnings)
    done = run_alerts(settings, TODAY, [90])
    assert done.status == "ok" and len(hook.posts) == 1 and any("line 1" in w for w in done.warnings)
    assert not beside(db, ".deliveries.jsonl").exists()


# the sender is killed the moment the receiver has the message, before it can record the answer
SENDER = """
import datetime as dt, sys
from pathlib import Path
from ecei.alerts.run import run_alerts
from ecei.settings import Settings
run_alerts(Settings(db=Path(sys.argv[1]), notify=[sys.argv[2]]), dt.date(2018, 7, 1), [90])
"""


def test_a_run_killed_between_send_and_record_resends_under_the_same_delivery_id(tmp_path: Path, hooks: Hooks) -> None:
    (hook,) = hooks(1)
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, [row("A", "2018-08-01")])
    url = hook.url("hooks/h-TOKEN")
    sender = subprocess.Popen([sys.executable, "-c", SENDER, str(db), url], cwd=Path.cwd())
    hook.before_answer = lambda: os.kill(sender.pid, signal.SIGKILL)
    assert sender.wait(timeout=120) == -signal.SIGKILL
    hook.before_answer = None
    assert len(hook.posts) == 1

    again = run_alerts(Settings(db=db, notify=[url]), TODAY, [90])
    assert again.status == "ok" and len(hook.posts) == 2
    first, second = hook.posts
    assert first["delivery_id"] == second["delivery_id"] == hook.delivery_ids[0] == hook.delivery_ids[1]
    assert query(db, "select status, coalesce(message like 'abandoned%', false) from alert_runs order by 1") == [
        ("failed", True),
        ("ok", False),
    ]
    assert run_alerts(Settings(db=db, notify=[url]), TODAY, [90]).status == "ok" and len(hook.posts) == 2


# -- alerts name events ----------------------------------------------------------------------------


def raised(settings: Settings, day: str) -> list[tuple[str, str | None]]:
    return [(a.kind, a.name) for a in run_alerts(settings, dt.date.fromisoformat(day), [30]).raised]


def test_a_second_delisting_raises_its_own_alert(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    a, b = row("A", "2030-01-01"), row("B", "2030-01-01")
    settings = Settings(db=db, notify=[])
    refresh(db, tmp_path, [a, b])
    raised(settings, "2024-01-01")
    refresh(db, tmp_path, [a])
    assert raised(settings, "2024-01-02") == [("delisted", "B")]
    refresh(db, tmp_path, [a, b])
    assert raised(settings, "2024-01-03") == []
    refresh(db, tmp_path, [a])
    assert raised(settings, "2024-01-04") == [("delisted", "B")]
    assert raised(settings, "2024-01-05") == []


def test_a_label_listed_again_raises_its_expiring_alert_again(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    a, b = row("A", "2030-01-01"), row("B", "2024-01-20")
    settings = Settings(db=db, notify=[])
    refresh(db, tmp_path, [a, b])
    assert raised(settings, "2024-01-01") == [("expiring", "B")]
    refresh(db, tmp_path, [a])
    refresh(db, tmp_path, [a, b])  # listed again, with the same label date
    assert raised(settings, "2024-01-03") == [("expiring", "B"), ("delisted", "B")]
    assert raised(settings, "2024-01-04") == []


def test_a_label_renewed_then_set_back_raises_its_expiring_alert_again(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    settings = Settings(db=db, notify=[])
    refresh(db, tmp_path, [row("B", "2024-01-20")])
    assert raised(settings, "2024-01-01") == [("expiring", "B")]
    refresh(db, tmp_path, [row("B", "2025-01-20")])
    assert raised(settings, "2024-01-02") == [("renewed", "B")]
    refresh(db, tmp_path, [row("B", "2024-01-20")])  # the renewal withdrawn: it expires again
    assert raised(settings, "2024-01-03") == [("expiring", "B")]
    assert raised(settings, "2024-01-04") == []


def test_an_upgraded_ledger_raises_nothing_again(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    settings = Settings(db=db, notify=[])
    refresh(db, tmp_path, [row("A", "2024-01-20"), row("B", "2030-01-01")])
    refresh(db, tmp_path, [row("A", "2024-01-20")])
    assert sorted(raised(settings, "2024-01-02")) == [("delisted", "B"), ("expiring", "A")]
    with closing(connect(db)) as con:  # the keys as an older version wrote them
        con.execute("update alert_log set alert_key = regexp_replace(alert_key, '@.*$', '')")
    assert raised(settings, "2024-01-03") == []


# -- the upgrade -----------------------------------------------------------------------------------


def test_the_upgrade_from_012_owes_what_the_old_rules_owed(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute("create table schema_migrations (version integer primary key, name varchar, applied_at timestamp)")
        for version, name in migrations():
            if version <= 12:
                old.execute(sql_file(f"migrations/{name}"))
                old.execute("insert into schema_migrations values (?, ?, now())", [version, name])
        for i in range(1, 4):
            old.execute(
                "insert into alert_log (alert_key, kind, today, alert_run_id, created_at) values (?, 'stale', ?, 1, ?)",
                [f"stale:watcher:{i}", TODAY, T0],
            )
        old.execute(
            "insert into alert_deliveries values (1, 'json:aaaa', ?, 1, null), (2, 'json:aaaa', null, 1, 'x')", [T0]
        )
        old.execute("insert into subscriptions values ('desk', ?, 1)", [T0])
    with closing(connect(path)) as con:
        owed = con.execute(
            "select recipient, alert_id, closed_as from alert_outbox order by recipient, alert_id"
        ).fetchall()
    assert owed == [
        ("json:aaaa", 1, "delivered"),
        ("json:aaaa", 2, None),
        ("json:aaaa", 3, None),
        ("subscription:desk", 2, None),
        ("subscription:desk", 3, None),
    ]
