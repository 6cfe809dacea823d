"""`ecei alerts` as a user runs it: a real process, a real warehouse, a real webhook receiver."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from ecei.cli.alerts import SHOWN
from tests.cli.helpers import ECEI, ecei
from tests.conftest import query
from tests.receivers import Mailbox, SlowWebhook, Webhook
from tests.warehouse.staged_runs import T0, merge, row
from warehouse.db import connect


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("alerts-cli") / "demo.duckdb"
    for snapshot in ("2016-06", "2018-10"):
        done = ecei("refresh", "--demo", "--demo-snapshot", snapshot, "--db", str(db), "--json")
        assert done.returncode == 0, done.stderr
    return db


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    """A copy of the refreshed warehouse that no alerts run has touched yet."""
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(demo_db.read_bytes())
    return copy


def test_alerts_deliver_to_the_webhook_once(db: Path, webhook: Webhook) -> None:
    args = ("alerts", "--db", str(db), "--today", "2018-07-01", "--within", "90", "--notify", webhook.url())
    done = ecei(*args)
    assert done.returncode == 0, done.stderr
    assert "Norwegian Smart Care Cluster" in done.stdout and "expiring" in done.stdout
    assert len(webhook.posts) == 1
    message = webhook.posts[0]["message"]
    assert message.count("<li>") == query(db, "select count(*) from alert_log")[0][0]
    assert "Labels expiring (9)" in message
    assert len(webhook.posts[0]["alerts"]) == message.count("<li>")  # the same alerts, as JSON fields
    assert f"json://127.0.0.1:{webhook.port}: delivered a digest of" in done.stderr  # the channel, by its name
    for output in (done.stdout, done.stderr):
        assert "SECRET-TOKEN" not in output and "hooks/" not in output

    again = ecei(*args)
    assert again.returncode == 0 and len(webhook.posts) == 1


def test_failed_delivery_exits_5_and_keeps_them_pending(db: Path, webhook: Webhook) -> None:
    webhook.fail = 1
    args = ("alerts", "--db", str(db), "--today", "2018-07-01", "--notify", webhook.url())
    done = ecei(*args)
    assert done.returncode == 5, done.stderr
    assert "not delivered" in done.stderr and "SECRET-TOKEN" not in done.stderr
    pending = query(db, "select count(*) from alert_log where delivered_at is null")[0][0]
    assert pending > 0
    assert ecei(*args).returncode == 0
    assert len(webhook.posts) == 1 and webhook.posts[0]["message"].count("<li>") == pending


def test_a_channel_answering_a_byte_a_second_fails_at_its_deadline_and_the_process_ends(
    db: Path, slow_webhook: SlowWebhook
) -> None:
    args = ("alerts", "--db", str(db), "--today", "2018-07-01", "--notify", slow_webhook.url())
    began = time.monotonic()
    done = ecei(*args, env={**os.environ, "ECEI_NOTIFY_TIMEOUT": "3"})
    took = time.monotonic() - began
    assert done.returncode == 5, done.stderr
    assert "did not answer within 3 s (ECEI_NOTIFY_TIMEOUT)" in done.stderr
    assert "SECRET-TOKEN" not in done.stderr + done.stdout
    # the digest reached the receiver, whose answer would take over a minute to trickle back
    assert len(slow_webhook.posts) == 1 and slow_webhook.answered == 0
    assert took < 3 + 20, f"the process lived {took:.0f} s, past the channel's deadline"
    assert query(db, "select count(*) from alert_log where delivered_at is null")[0][0] > 0


def test_dry_run_and_no_channel(db: Path) -> None:
    dry = ecei("alerts", "--db", str(db), "--today", "2018-07-01", "--dry-run")
    assert dry.returncode == 0 and "would raise" in dry.stdout
    assert query(db, "select count(*) from alert_log") == [(0,)]
    quiet = ecei("alerts", "--db", str(db), "--today", "2018-07-01")
    assert quiet.returncode == 0 and "no channel configured" in quiet.stderr


def test_bad_day_and_missing_warehouse(tmp_path: Path) -> None:
    assert ecei("alerts", "--db", str(tmp_path / "x.duckdb"), "--today", "01.07.2018").returncode == 2
    missing = ecei("alerts", "--db", str(tmp_path / "x.duckdb"))
    assert missing.returncode == 2 and "no warehouse" in missing.stderr


def test_second_alerts_run_at_once_is_busy(db: Path) -> None:
    from filelock import FileLock

    from ecei.locks import alerts_lock_path

    with FileLock(str(alerts_lock_path(db))):
        done = ecei("alerts", "--db", str(db), "--today", "2018-07-01")
    assert done.returncode == 4 and "busy" in done.stderr


def test_two_runs_through_two_paths_to_one_file_send_each_alert_once(
    db: Path, webhook: Webhook, tmp_path: Path
) -> None:
    link = tmp_path / "elsewhere" / "link.duckdb"
    link.parent.mkdir()
    link.symlink_to(db)
    first_arrived, second_ended = threading.Event(), threading.Event()

    def hold_the_first_digest() -> None:
        # the first run waits for its answer until the second run, through the symlink, has ended
        if len(webhook.posts) == 1:
            first_arrived.set()
            second_ended.wait(120)

    webhook.before_answer = hold_the_first_digest
    # Apprise gives up on an answer after 4 s unless the URL says otherwise (rto: read timeout)
    args = ("alerts", "--today", "2018-07-01", "--notify", webhook.url("hooks/slow?rto=60"))
    first = subprocess.Popen([ECEI, *args, "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert first_arrived.wait(120), "the first run sent nothing"
        second = ecei(*args, "--db", str(link), env={**os.environ, "ECEI_LOCK_WAIT": "0"})
    finally:
        second_ended.set()
        _, errors = first.communicate(timeout=120)
    assert first.returncode == 0, errors
    assert second.returncode == 4 and "another alerts run" in second.stderr, second.stderr
    assert len(webhook.posts) == 1, "one alert sent twice"


LEDGER = "select (select count(*) from alert_log), (select count(*) from alert_runs)"


def test_test_sends_each_channel_a_message_and_records_nothing(db: Path, webhook: Webhook) -> None:
    closed = "json://127.0.0.1:9/hooks/SECRET-TOKEN-9"  # nothing listens on port 9
    done = ecei("alerts", "--db", str(db), "--test", "--notify", webhook.url(), "--notify", closed, wide=True)
    assert done.returncode == 5, done.stderr
    rows = [line for line in done.stdout.splitlines() if "json://" in line]
    assert len(rows) == 2
    assert f"json://127.0.0.1:{webhook.port} " in rows[0] and "delivered" in rows[0] and "not" not in rows[0]
    assert "json://127.0.0.1:9 " in rows[1] and "not delivered" in rows[1] and "Connection error" in rows[1]
    assert "1 of 2 channels took the test message" in done.stderr
    assert len(webhook.posts) == 1 and webhook.posts[0]["test"] is True
    assert "SECRET-TOKEN" not in done.stdout + done.stderr
    assert query(db, LEDGER) == [(0, 0)]

    ok = ecei("alerts", "--db", str(db), "--test", env={**os.environ, "ECEI_NOTIFY": webhook.url()})
    assert ok.returncode == 0 and "ok: 1 of 1 channels took the test message" in ok.stderr
    assert query(db, LEDGER) == [(0, 0)]


def test_test_needs_no_warehouse_and_stops_at_the_notify_timeout(tmp_path: Path, slow_webhook: SlowWebhook) -> None:
    env = {**os.environ, "ECEI_NOTIFY_TIMEOUT": "2", "ECEI_NOTIFY": slow_webhook.url()}
    done = ecei("alerts", "--db", str(tmp_path / "none.duckdb"), "--test", env=env, wide=True)
    assert done.returncode == 5, done.stderr
    assert "did not answer within 2 s (ECEI_NOTIFY_TIMEOUT)" in done.stdout
    assert len(slow_webhook.posts) == 1 and not (tmp_path / "none.duckdb").exists()
    none = ecei("alerts", "--db", str(tmp_path / "none.duckdb"), "--test", "--notify", "")
    assert none.returncode == 2 and "no channel configured" in none.stderr


@pytest.mark.parametrize("where", ["--notify", "ECEI_NOTIFY"])
def test_a_plain_https_webhook_is_refused_at_once_with_a_hint(db: Path, webhook: Webhook, where: str) -> None:
    plain = f"https://127.0.0.1:{webhook.port}/hooks/SECRET-TOKEN"
    args = ["alerts", "--db", str(db), "--today", "2018-07-01"]
    if where == "--notify":
        done = ecei(*args, "--notify", webhook.url(), "--notify", plain)
    else:
        done = ecei(*args, env={**os.environ, "ECEI_NOTIFY": f"{webhook.url()}, {plain}"})
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"refused: {where}: https://127.0.0.1:{webhook.port}: Apprise does not take a plain")
    assert "jsons://" in line and "SECRET-TOKEN" not in line and done.stdout == ""
    assert webhook.posts == [] and query(db, LEDGER) == [(0, 0)]


def test_an_unknown_scheme_is_refused_for_a_test_too(db: Path) -> None:
    done = ecei("alerts", "--db", str(db), "--test", "--notify", "slak://TokenA/TokenB/TokenC")
    assert done.returncode == 2 and "slak:// is no service Apprise knows" in done.stderr
    assert "Token" not in done.stderr


def test_as_of_without_dry_run_is_a_usage_error(db: Path) -> None:
    done = ecei("alerts", "--db", str(db), "--as-of", "run:1")
    assert done.returncode == 2 and done.stderr.startswith("usage error:") and "--dry-run" in done.stderr
    assert query(db, LEDGER) == [(0, 0)]
    both = ecei("alerts", "--db", str(db), "--test", "--dry-run")
    assert both.returncode == 2 and both.stderr.startswith("usage error:")


def test_dry_run_as_of_an_earlier_run_shows_the_list_then(db: Path) -> None:
    # the fixture's two refreshes: 2016-06 (run 1), then 2018-10 (run 2)
    then = ecei("alerts", "--db", str(db), "--dry-run", "--as-of", "run:1", "--today", "2016-07-01", wide=True)
    now = ecei("alerts", "--db", str(db), "--dry-run", "--today", "2016-07-01", wide=True)
    assert then.returncode == now.returncode == 0, then.stderr
    started = query(db, "select started_at from crawl_runs where run_id = 1")[0][0]
    assert f"the list as it stood at {started.replace(microsecond=0).isoformat()}Z" in then.stdout
    labels_then = dict(query(db, "select name, valid_until from clusters_as_of(?)", [started]))
    labels_now = dict(query(db, "select name, valid_until from clusters_current"))
    # the 2018 refresh added clusters and renewed labels: the look back knows neither
    added = set(labels_now) - set(labels_then)
    renewed = {n for n in labels_then if labels_now.get(n) not in (None, labels_then[n])}
    assert added and renewed
    assert not any(name in then.stdout for name in added)
    shown_then = [line for name in renewed for line in then.stdout.splitlines() if f" {name} " in line]
    assert shown_then, "no renewed cluster raised an alert from the list as it stood"
    for name in renewed:
        for line in then.stdout.splitlines():
            if f" {name} " in line:
                assert labels_then[name].isoformat() in line and labels_now[name].isoformat() not in line
    assert "the ledger is not consulted" in then.stderr
    assert query(db, LEDGER) == [(0, 0)]


def test_subscriptions_each_hear_their_own_once(db: Path, webhook: Webhook, smtp: Mailbox, tmp_path: Path) -> None:
    file = tmp_path / "subscriptions.yaml"
    file.write_text(
        "subscriptions:\n"
        "  - name: norway-mail\n    notify: ${MAILBOX}\n    countries: [norway]\n    kinds: [expiring]\n"
        "  - name: everything-each\n    notify: ${HOOK}\n    mode: each\n",
        encoding="utf-8",
    )
    env = {**os.environ, "ECEI_SUBSCRIPTIONS": str(file), "MAILBOX": smtp.url(), "HOOK": webhook.url()}
    args = ("alerts", "--db", str(db), "--today", "2018-07-01", "--within", "90")
    done = ecei(*args, env=env)
    assert done.returncode == 0, done.stderr
    raised = query(
        db, "select count(*), count(*) filter (where kind = 'expiring' and country = 'Norway') from alert_log"
    )
    (every, norway_expiring) = raised[0]
    assert norway_expiring > 0 and every > norway_expiring
    assert f"norway-mail ({smtp.url().split('?')[0]}): delivered a digest of {norway_expiring} alerts" in done.stderr
    assert (
        f"everything-each (json://127.0.0.1:{webhook.port}): delivered {every} messages, one per alert" in done.stderr
    )
    assert len(smtp.messages) == 1 and len(webhook.posts) == every
    assert "SECRET-TOKEN" not in done.stdout + done.stderr

    again = ecei(*args, env=env)
    assert again.returncode == 0, again.stderr
    assert "norway-mail" in again.stderr and "nothing new" in again.stderr
    assert (len(smtp.messages), len(webhook.posts)) == (1, every)


def test_a_wrong_subscriptions_file_exits_2_naming_its_line(db: Path, tmp_path: Path) -> None:
    file = tmp_path / "subscriptions.yaml"
    file.write_text("subscriptions:\n  - name: a\n    notify: json://127.0.0.1:9/x\n    kinds: [exploded]\n")
    done = ecei("alerts", "--db", str(db), "--today", "2018-07-01", env={**os.environ, "ECEI_SUBSCRIPTIONS": str(file)})
    assert done.returncode == 2 and "subscriptions.yaml, line 4: subscriptions.kinds: " in done.stderr, done.stderr
    assert "unknown alert kind exploded" in done.stderr
    assert query(db, LEDGER) == [(0, 0)]


def test_a_long_run_shows_the_first_hundred_and_says_where_the_rest_are(tmp_path: Path) -> None:
    db = tmp_path / "many.duckdb"
    with closing(connect(db)) as con:  # 250 labels lapsing within 90 days of 2024-01-15
        rows = [row(f"Cluster {i:03d}", f"2024-{2 + i % 2:02d}-{1 + i % 28:02d}") for i in range(250)]
        merge(con, tmp_path / "stage", rows, T0)
    piped = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # into a file: a line an alert
    done = ecei("alerts", "--db", str(db), "--today", "2024-01-15", "--within", "90", env=piped)
    assert done.returncode == 0, done.stderr
    table_rows = [line for line in done.stdout.splitlines() if line.startswith("│ ")]
    assert len(table_rows) == SHOWN == 100
    raised = query(db, "select count(*) from alert_log")[0][0]
    assert raised > 250  # every label, and the stale watcher (no refresh since 2024-01-01)
    said = f"{raised} alerts (stale 1, expiring 250); the first 100 are shown, the ledger holds them all"
    assert said in done.stdout
    dry = ecei("alerts", "--db", str(db), "--today", "2024-01-15", "--within", "90", "--dry-run", env=piped)
    assert dry.returncode == 0
    assert sum(line.startswith("│ ") for line in dry.stdout.splitlines()) == 100
    assert f"{raised} alerts (stale 1, expiring 250); the first 100 are shown, a dry run records" in dry.stdout


def test_dismiss_asks_closes_with_a_why_and_status_agrees(db: Path, webhook: Webhook, tmp_path: Path) -> None:
    subs = tmp_path / "subs.yaml"
    subs.write_text(
        f"subscriptions:\n  - name: desk\n    notify: {webhook.url('hooks/desk-TOKEN')}\n    kinds: [lapsed]\n"
    )
    env = {**os.environ, "ECEI_SUBSCRIPTIONS": str(subs)}
    webhook.fail = 1
    assert ecei("alerts", "--db", str(db), "--today", "2018-10-20", env=env).returncode == 5
    owed = query(db, "select count(*) from alert_outbox where recipient = 'subscription:desk' and closed_at is null")
    assert owed[0][0] > 1

    dismiss = ("dismiss", "--db", str(db), "--subscriber", "desk", "--why", "told by phone")
    for wrong, says in (((), "--alert ID"), (("--alert", "99999", "--yes"), "not owed alert 99999")):
        refused = ecei(*dismiss, *wrong, env=env)
        assert refused.returncode == 2 and says in refused.stderr and "Traceback" not in refused.stderr
    no_tty = ecei(*dismiss, "--all", env=env)  # no terminal to ask on, no --yes
    assert no_tty.returncode == 2 and "add --yes" in no_tty.stderr
    done = ecei(*dismiss, "--all", "--yes", env=env)
    assert done.returncode == 0 and f"{owed[0][0]} alerts dismissed (told by phone)" in done.stderr
    assert query(db, "select distinct closed_as, why from alert_outbox where recipient = 'subscription:desk'") == [
        ("dismissed", "told by phone")
    ]
    status = ecei("status", "--db", str(db), "--live", "--json", env=env)
    channels = json.loads(status.stdout)["alerts"]["channels"]
    assert [c["pending"] for c in channels if c["channel"].startswith("desk")] == [0]
    assert ecei("alerts", "--db", str(db), "--today", "2018-10-20", env=env).returncode == 0
    assert webhook.posts == []


def test_status_names_what_a_channel_gone_from_the_settings_is_owed_and_how_to_let_it_go(
    db: Path, webhook: Webhook
) -> None:
    # a one-off --notify run that failed: the channel is owed its alerts though no setting names it now
    webhook.fail = 1
    once = ecei("alerts", "--db", str(db), "--today", "2018-10-20", "--notify", webhook.url())
    assert once.returncode == 5, once.stderr
    wide = {**os.environ, "ECEI_NOTIFY": "", "COLUMNS": "500"}  # the whole line on one line
    status = ecei("status", "--db", str(db), "--live", env=wide)
    (line,) = [x for x in status.stdout.splitlines() if "not configured" in x]
    name = f"json://127.0.0.1:{webhook.port}"
    assert f"{name}, not configured: " in line and "SECRET" not in line
    hint = f"`ecei dismiss --subscriber '{name}' --all --why ...`"
    assert hint in line
    # the hint, as written, is a command that works
    done = ecei("dismiss", "--db", str(db), "--subscriber", name, "--all", "--why", "a one-off", "--yes")
    assert done.returncode == 0, done.stderr
    after = ecei("status", "--db", str(db), "--live", env={**os.environ, "ECEI_NOTIFY": ""})
    assert "not configured" not in after.stdout


def test_a_renewal_window_long_closed_is_said_to_have_closed(db: Path) -> None:
    # raised on an old day with no channel, then shown again today: the window closed years ago
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECEI_")}
    first = ecei("alerts", "--db", str(db), "--today", "2018-11-01", "--wide", env=env)  # each note whole
    assert first.returncode == 0, first.stderr
    assert "renewal window closes 2019-" in first.stdout  # ahead of 2018-11-01: still open then
    later = ecei("alerts", "--db", str(db), "--wide", env=env)
    assert later.returncode == 0, later.stderr
    assert "lapsed" in later.stdout and "the renewal window closed on 2019-" in later.stdout
    assert "window closes 2019-" not in later.stdout
