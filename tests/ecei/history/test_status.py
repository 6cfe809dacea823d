"""The watcher's status on real warehouses: fresh, stale, failed, alerts pending per channel (a real
receiver), a write-ahead log, and a warehouse another process holds."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from ecei.alerts import delivery_store
from ecei.alerts.channels import channel_id
from ecei.alerts.run import run_alerts
from ecei.history.status import status
from ecei.moments import business_today
from ecei.outcome import Status
from ecei.settings import Settings
from tests.ecei.processes import held_for_writing
from tests.receivers import Webhook
from tests.warehouse.staged_runs import merge, row
from warehouse.db import connect
from warehouse.runs import RunFigures, begin_run, settle_run, utcnow

CLOSED = "json://127.0.0.1:9/hooks/TOKEN-XYZ-987"  # nothing listens on port 9


def warehouse(tmp_path: Path, *ages: dt.timedelta, complete: bool = True, notify: list[str] | None = None) -> Settings:
    """A warehouse with one run of a cluster lapsing in 60 days per age (how long before now it started)."""
    db = tmp_path / "w.duckdb"
    label = (utcnow() + dt.timedelta(days=60)).date().isoformat()
    with closing(connect(db)) as con:
        for age in ages:
            merge(con, tmp_path / "stage", [row("Arena Alpha", label)], utcnow() - age, complete=complete)
    return Settings(db=db, notify=notify or [])


def test_fresh(tmp_path: Path) -> None:
    settings = warehouse(tmp_path, dt.timedelta(hours=1))
    result = status(settings)
    assert result.status == Status.OK and result.message is None
    assert result.last_run is not None and (result.last_run["run_id"], result.last_run["status"]) == (1, "ok")
    assert result.watcher is not None and not result.watcher.is_stale and result.watcher.last_ok_run_id == 1
    assert result.today == business_today(settings.timezone)
    assert result.file.path == settings.db.resolve() and result.file.size == settings.db.stat().st_size
    assert result.file.wal_size is None
    assert (result.pending, result.channels) == (0, [])


def test_stale_after_stale_days(tmp_path: Path) -> None:
    result = status(warehouse(tmp_path, dt.timedelta(days=10)))
    assert result.status == Status.FAILED
    assert result.message is not None and result.message.startswith("no complete refresh for 10 days (the last, run 1")


def test_a_failed_last_refresh(tmp_path: Path) -> None:
    settings = warehouse(tmp_path, dt.timedelta(hours=2))
    with closing(connect(settings.db)) as con:
        run_id = begin_run(con, "http://x/", utcnow() - dt.timedelta(hours=1), 1)
        settle_run(con, run_id, "failed", RunFigures(), "the cluster table's headers changed")
    result = status(settings)
    assert result.status == Status.FAILED
    assert result.last_run is not None and result.last_run["status"] == "failed"
    assert result.message is not None and result.message.endswith("was failed: the cluster table's headers changed")


def test_alerts_pending_per_channel(tmp_path: Path, webhook: Webhook) -> None:
    good = webhook.url("good")
    settings = warehouse(tmp_path, dt.timedelta(hours=1), notify=[good, CLOSED])
    sent = run_alerts(settings)  # an expiring alert (60 days, rung 90): the webhook takes it, port 9 does not
    assert sent.status == "undelivered" and len(sent.raised) == 1
    result = status(settings)
    assert result.status == Status.UNDELIVERED and result.pending == 1
    taken, refused = result.channels
    assert (taken.channel, taken.pending, taken.failed) == (f"json://127.0.0.1:{webhook.port}", 0, 0)
    assert (refused.channel, refused.pending, refused.failed) == ("json://127.0.0.1:9", 1, 1)
    assert refused.last_error and "TOKEN-XYZ" not in refused.last_error
    assert result.message == "alerts stay undelivered on json://127.0.0.1:9 (1)"

    # a channel that took them, in the delivery store but not yet recorded in the ledger, has nothing pending
    alert_ids = [a.alert_id for a in sent.raised if a.alert_id is not None]
    delivery = delivery_store.Delivery(delivery_store.new_id(), None, channel_id(CLOSED), "port 9", alert_ids, utcnow())
    delivery_store.intend(settings.db, delivery)
    delivery_store.answer(settings.db, delivery.delivery_id, None, utcnow())
    later = status(settings)
    assert later.channels[1].pending == 0 and later.status == Status.OK


def test_no_channel_configured_counts_what_waits(tmp_path: Path) -> None:
    settings = warehouse(tmp_path, dt.timedelta(hours=1))
    run_alerts(settings, notify=[])
    result = status(settings)
    assert (result.status, result.pending, result.channels) == (Status.OK, 1, [])


_LEAVE_A_WAL = """
import os, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("set wal_autocheckpoint = '1GB'")
con.execute("pragma disable_checkpoint_on_shutdown")
con.execute("insert into runs (started_at, status, start_url) values (now() at time zone 'UTC', 'running', 'x')")
os._exit(0)
"""


def test_a_write_ahead_log_is_measured_and_read(tmp_path: Path) -> None:
    settings = warehouse(tmp_path, dt.timedelta(hours=1))
    subprocess.run([sys.executable, "-c", _LEAVE_A_WAL, str(settings.db)], check=True, timeout=60)
    result = status(settings)
    assert result.file.wal_size is not None and result.file.wal_size > 0
    assert result.last_run is not None and (result.last_run["run_id"], result.last_run["status"]) == (2, "running")
    assert result.status == Status.OK  # a running refresh is not the last one yet


def test_busy_describes_the_file_and_nothing_more(tmp_path: Path) -> None:
    settings = warehouse(tmp_path, dt.timedelta(hours=1)).model_copy(update={"busy_timeout": 0.2})
    with held_for_writing(settings.db):
        result = status(settings)
    assert result.status == Status.BUSY and result.message is not None and "busy" in result.message
    assert result.file.size > 0 and result.last_run is None and result.watcher is None
