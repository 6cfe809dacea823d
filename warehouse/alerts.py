"""The alert ledger: raise the alerts alerts.sql finds, list what is pending, record deliveries.

Every alert is one row of alert_log, unique by alert_key; delivery is tracked per channel in
alert_deliveries, so a channel that already has an alert never gets it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import duckdb

from warehouse.db import sql_file

KINDS = ("expiring", "lapsed", "renewed", "delisted", "stale")
DEFAULT_THRESHOLDS = (90, 30, 7)  # days: the ladder of expiring alerts


@dataclass
class Alert:
    """One alert as alert_log holds it (alert_id is None until it is recorded)."""

    alert_key: str
    kind: str
    cluster_id: str | None
    country: str | None
    name: str | None
    portfolio: str | None
    website: str | None
    label_date: dt.date | None
    previous_label_date: dt.date | None
    threshold_days: int | None
    days_left: int | None
    renewal_closes_on: dt.date | None
    detail: str | None
    alert_id: int | None = None
    created_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    # channels (channel ids) that already have it
    delivered_to: set[str] = field(default_factory=set)


_CANDIDATE_COLUMNS = [f.name for f in fields(Alert)][:13]


@dataclass
class Window:
    """What one alerts run covers, derived from the previous run (if any)."""

    today: dt.date
    thresholds: list[int]
    lapsed_from: dt.date
    changes_after: int
    through_run_id: int
    stale_days: int
    first_run: bool


def window(con: duckdb.DuckDBPyConnection, today: dt.date, thresholds: Sequence[int], stale_days: int) -> Window:
    """The first alerts run covers labels lapsed within the past year and the latest refresh's
    changes; every later run covers what happened since the run before it."""
    previous = con.execute(
        "select today, through_run_id from alert_runs where status <> 'running' order by alert_run_id desc limit 1"
    ).fetchone()
    row = con.execute("select max(run_id) from runs where status <> 'running'").fetchone()
    through = int(row[0]) if row and row[0] is not None else 0
    if previous is None:
        row = con.execute("select max(run_id) from runs where status in ('ok', 'partial')").fetchone()
        latest = int(row[0]) if row and row[0] is not None else 0
        lapsed_from = _one_year_before(today)
        return Window(today, sorted(set(thresholds)), lapsed_from, max(latest - 1, 0), through, stale_days, True)
    return Window(today, sorted(set(thresholds)), previous[0], int(previous[1] or 0), through, stale_days, False)


def _one_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def candidates(con: duckdb.DuckDBPyConnection, w: Window) -> list[Alert]:
    """The alerts this run would raise: none already in alert_log."""
    con.execute(
        "create or replace temp table alert_params as select ?::date as today, ?::integer[] as thresholds, "
        "?::date as lapsed_from, ?::integer as changes_after, ?::integer as through_run_id, "
        "?::integer as stale_days",
        [w.today, w.thresholds, w.lapsed_from, w.changes_after, w.through_run_id, w.stale_days],
    )
    try:
        cur = con.execute(sql_file("alerts.sql"))
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.execute("drop table if exists temp.alert_params")
    return [Alert(**dict(zip(names, r, strict=True))) for r in rows]


def begin_alert_run(con: duckdb.DuckDBPyConnection, w: Window, channels: int, at: dt.datetime) -> int:
    row = con.execute(
        "insert into alert_runs (started_at, today, thresholds, through_run_id, channels, status) "
        "values (?, ?, ?, ?, ?, 'running') returning alert_run_id",
        [at, w.today, w.thresholds, w.through_run_id, channels],
    ).fetchone()
    assert row is not None
    return int(row[0])


def record_alerts(
    con: duckdb.DuckDBPyConnection, alerts: Sequence[Alert], alert_run_id: int, today: dt.date, at: dt.datetime
) -> None:
    """Insert new alerts; a key raised meanwhile by another run is skipped, never duplicated."""
    columns = ", ".join(_CANDIDATE_COLUMNS)
    marks = ", ".join("?" for _ in _CANDIDATE_COLUMNS)
    for alert in alerts:
        values = [getattr(alert, c) for c in _CANDIDATE_COLUMNS]
        row = con.execute(
            f"insert into alert_log ({columns}, today, alert_run_id, created_at) values ({marks}, ?, ?, ?) "
            "on conflict (alert_key) do nothing returning alert_id, created_at",
            [*values, today, alert_run_id, at],
        ).fetchone()
        if row is not None:
            alert.alert_id, alert.created_at = int(row[0]), row[1]


def pending(con: duckdb.DuckDBPyConnection) -> list[Alert]:
    """Every alert not yet delivered, oldest first, with the channels that already have it."""
    columns = ", ".join(f"a.{c}" for c in _CANDIDATE_COLUMNS)
    cur = con.execute(
        f"select {columns}, a.alert_id, a.created_at, a.delivered_at, a.attempts, a.last_error, "
        "coalesce(list(d.channel) filter (where d.delivered_at is not null), []) as delivered_to "
        "from alert_log as a left join alert_deliveries as d using (alert_id) "
        "where a.delivered_at is null group by all order by a.alert_id"
    )
    names = [d[0] for d in cur.description]
    alerts = []
    for r in cur.fetchall():
        values = dict(zip(names, r, strict=True))
        values["delivered_to"] = set(values["delivered_to"])
        alerts.append(Alert(**values))
    return alerts


def record_delivery(
    con: duckdb.DuckDBPyConnection, alert_ids: Sequence[int], channel: str, error: str | None, at: dt.datetime
) -> None:
    """One attempt to send these alerts to one channel: delivered (error None) or not, and why."""
    for alert_id in alert_ids:
        con.execute(
            "insert into alert_deliveries (alert_id, channel, delivered_at, attempts, last_error) "
            "values (?, ?, ?, 1, ?) on conflict (alert_id, channel) do update set "
            "delivered_at = excluded.delivered_at, attempts = alert_deliveries.attempts + 1, "
            "last_error = excluded.last_error",
            [alert_id, channel, None if error else at, error],
        )
        con.execute(
            "update alert_log set attempts = attempts + 1, last_error = coalesce(?, last_error) where alert_id = ?",
            [error, alert_id],
        )


def mark_delivered(
    con: duckdb.DuckDBPyConnection, alert_ids: Sequence[int], channels: Sequence[str], at: dt.datetime
) -> list[int]:
    """Alerts now delivered to every channel of this run stop being pending; returns their ids."""
    if not alert_ids or not channels:
        return []
    rows = con.execute(
        "update alert_log set delivered_at = ? where delivered_at is null and alert_id in ("
        "select alert_id from alert_deliveries where delivered_at is not null and channel in (select unnest(?)) "
        "and alert_id in (select unnest(?)) group by alert_id having count(*) = ?) returning alert_id",
        [at, list(channels), list(alert_ids), len(set(channels))],
    ).fetchall()
    return sorted(r[0] for r in rows)


def settle_alert_run(
    con: duckdb.DuckDBPyConnection,
    alert_run_id: int,
    status: str,
    raised: int,
    delivered: int,
    pending_after: int,
    message: str | None,
    at: dt.datetime,
) -> None:
    con.execute(
        "update alert_runs set status = ?, finished_at = ?, raised = ?, delivered = ?, pending = ?, message = ? "
        "where alert_run_id = ?",
        [status, at, raised, delivered, pending_after, message, alert_run_id],
    )


def count_pending(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("select count(*) from alert_log where delivered_at is null").fetchone()
    return int(row[0]) if row else 0
