"""The alert ledger: find the alerts each kind's query raises, list what is pending, record deliveries.

Every alert is one row of alert_log, unique by alert_key; delivery is tracked per channel in
alert_deliveries (a channel of ECEI_NOTIFY, or a subscription), so one that already has an alert
never gets it again; `subscriptions` remembers when each subscription was first seen. Each alert kind is
one query, `alert_kinds/<kind>.sql`, run in the frame of `alert_ledger/frame.sql`; which kinds
exist and how they read is declared by the caller (ecei/alerts/kinds.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from importlib import resources
from typing import Any

import duckdb

from warehouse import watcher
from warehouse.db import sql_file

DEFAULT_THRESHOLDS = (90, 30, 7)  # days: the ladder of expiring alerts
KIND_FOLDER = "alert_kinds"


@dataclass
class Candidate:
    """An alert as a kind's query finds it: the columns alert_log records of it, declared here once
    (the frame's table, alert_ledger/frame.sql, takes these names and alert_log's types; the ledger
    records them by name). `days_left` is counted to the day it is read: the run's day for a
    candidate, the day it was raised in alert_log."""

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


@dataclass
class Alert(Candidate):
    """An alert as it is read on a day (`read_on`): a candidate of this run, or one of the ledger
    (semantics/alerts_on.sql; alert_id is None until it is recorded). `days_left` and
    `renewal_window` are the label's on `read_on`, by the macros of semantics/label_status.sql."""

    read_on: dt.date | None = None
    renewal_window: str | None = None  # open, closed; None while the label is valid
    alert_id: int | None = None
    alert_run_id: int | None = None
    raised_on: dt.date | None = None
    created_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    unreached_why: str | None = None
    # channels (channel ids) that already have it
    delivered_to: set[str] = field(default_factory=set)


CANDIDATE_COLUMNS = [f.name for f in fields(Candidate)]


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
    # a look at the past: the list as it stood then (clusters_as_of), the runs started by then
    as_of: dt.datetime | None = None


def window(con: duckdb.DuckDBPyConnection, today: dt.date, thresholds: Sequence[int], stale_days: int) -> Window:
    """The first alerts run covers labels lapsed within the past year and the latest refresh's
    changes; every later run covers the changes since the latest run, and the lapses since the
    latest run dated no later than `today` (alert_ledger/previous.sql)."""
    previous = con.execute(sql_file("alert_ledger/previous.sql"), {"today": today}).fetchone()
    assert previous is not None  # scalar subqueries: always one row
    any_run, covered_through, lapsed_from = previous
    row = con.execute("select max(run_id) from runs where status <> 'running'").fetchone()
    through = int(row[0]) if row and row[0] is not None else 0
    ladder = sorted(set(thresholds))
    if not any_run:
        row = con.execute("select max(run_id) from runs where status in ('ok', 'partial')").fetchone()
        latest = int(row[0]) if row and row[0] is not None else 0
        return Window(today, ladder, _one_year_before(today), max(latest - 1, 0), through, stale_days, True)
    lapsed_from = lapsed_from if lapsed_from is not None else _one_year_before(today)
    return Window(today, ladder, lapsed_from, int(covered_through or 0), through, stale_days, False)


def current_window(
    con: duckdb.DuckDBPyConnection, today: dt.date, thresholds: Sequence[int], stale_days: int
) -> Window:
    """What a first alerts run would cover today, whatever the ledger holds: the alerts still
    current (a subscriber's backlog)."""
    row = con.execute("select max(run_id) from runs where status <> 'running'").fetchone()
    through = int(row[0]) if row and row[0] is not None else 0
    row = con.execute("select max(run_id) from runs where status in ('ok', 'partial')").fetchone()
    latest = int(row[0]) if row and row[0] is not None else 0
    ladder = sorted(set(thresholds))
    return Window(today, ladder, _one_year_before(today), max(latest - 1, 0), through, stale_days, True)


def window_as_of(
    con: duckdb.DuckDBPyConnection, today: dt.date, thresholds: Sequence[int], stale_days: int, as_of: dt.datetime
) -> Window:
    """What a first alerts run would have covered at `as_of` (a naive UTC instant): the list as it
    stood then, the changes of the latest refresh started by then, the lapses of the year before
    `today`. The ledger plays no part."""
    row = con.execute(sql_file("alert_ledger/runs_as_of.sql"), {"as_of": as_of}).fetchone()
    assert row is not None  # an aggregate: always one row
    through, latest = (int(v or 0) for v in row)
    ladder = sorted(set(thresholds))
    return Window(today, ladder, _one_year_before(today), max(latest - 1, 0), through, stale_days, True, as_of)


def _one_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def sql_kinds() -> list[str]:
    """The alert kinds that have a query: the names of the files in `warehouse/alert_kinds/`."""
    folder = resources.files("warehouse") / KIND_FOLDER
    return sorted(entry.name.removesuffix(".sql") for entry in folder.iterdir() if entry.name.endswith(".sql"))


def candidates(
    con: duckdb.DuckDBPyConnection, w: Window, kinds: Sequence[str], everything: bool = False
) -> list[Alert]:
    """The alerts of `kinds` this run would raise, none already in alert_log (a window `as_of` an
    earlier instant, or `everything`: all of them), in the order of `kinds` (then by label date,
    country and name)."""
    missing = sorted(set(kinds) - set(sql_kinds()))
    if missing:
        raise ValueError(f"no query in warehouse/{KIND_FOLDER}/ for alert kinds {', '.join(missing)}")
    con.execute(
        sql_file("alert_ledger/params.sql"),
        {
            "today": w.today,
            "thresholds": w.thresholds,
            "lapsed_from": w.lapsed_from,
            "changes_after": w.changes_after,
            "through_run_id": w.through_run_id,
            "stale_days": w.stale_days,
            "as_of": w.as_of,
        },
    )
    try:
        watcher.define(con)  # the `stale` kind's rule, shared with `ecei status`
        con.execute(sql_file("alert_ledger/label_episodes.sql"))
        _statements(con, "alert_ledger/frame.sql", {"candidate_columns": CANDIDATE_COLUMNS})
        for kind in kinds:
            # a kind's query is a plain select; the frame gathers its rows by column name
            query = sql_file(f"{KIND_FOLDER}/{kind}.sql").strip().rstrip(";")
            con.execute(f"insert into alert_candidates by name (\n{query}\n)")
        # a look at the past shows what the list then would raise, whatever the ledger holds now
        chosen = "all_candidates" if w.as_of is not None or everything else "not_raised"
        cur = con.execute(sql_file(f"alert_ledger/{chosen}.sql"), {"kinds": list(kinds)})
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.execute(sql_file("alert_ledger/frame_drop.sql"))
        watcher.drop(con)
    return [Alert(**dict(zip(names, r, strict=True))) for r in rows]


def begin_alert_run(con: duckdb.DuckDBPyConnection, w: Window, channels: int, at: dt.datetime) -> int:
    row = con.execute(
        sql_file("alert_ledger/begin_run.sql"),
        {
            "started_at": at,
            "today": w.today,
            "thresholds": w.thresholds,
            "through_run_id": w.through_run_id,
            "channels": channels,
        },
    ).fetchone()
    assert row is not None
    return int(row[0])


def record_alerts(
    con: duckdb.DuckDBPyConnection, alerts: Sequence[Alert], alert_run_id: int, today: dt.date, at: dt.datetime
) -> None:
    """Insert new alerts; a key raised meanwhile by another run is skipped, never duplicated."""
    # one statement for the lot: a statement per alert took minutes for the ten thousand alerts of a
    # first run on a registry of 100,000 clusters (bench/subscriptions.py)
    first: dict[str, Alert] = {}
    for alert in alerts:
        first.setdefault(alert.alert_key, alert)  # a key given twice is one alert, as the ledger has it
    if not first:
        return
    rows = [{c: getattr(a, c) for c in CANDIDATE_COLUMNS} for a in first.values()]
    params = {"alerts": rows, "today": today, "alert_run_id": alert_run_id, "created_at": at}
    for key, alert_id, created_at in con.execute(sql_file("alert_ledger/record.sql"), params).fetchall():
        recorded = first[key]
        recorded.alert_id, recorded.alert_run_id, recorded.raised_on = int(alert_id), alert_run_id, today
        recorded.created_at = created_at


def alerts_by_id(con: duckdb.DuckDBPyConnection, alert_ids: Sequence[int], today: dt.date) -> dict[int, Alert]:
    """The alerts of `alert_ids` as the ledger holds them, read on `today` (semantics/alerts_on.sql),
    with who already took each."""
    cur = con.execute(sql_file("alert_ledger/open.sql"), {"ids": list(alert_ids), "today": today})
    names = [d[0] for d in cur.description]
    found = {}
    for r in cur.fetchall():
        values = dict(zip(names, r, strict=True))
        values["delivered_to"] = set(values["delivered_to"])
        found[values["alert_id"]] = Alert(**values)
    return found


def first_seen(con: duckdb.DuckDBPyConnection, names: Sequence[str], at: dt.datetime) -> dict[str, int]:
    """Each subscription's boundary: the last alert raised before the ledger first saw it (it hears
    those after). A subscription not seen before is remembered now, from the ledger's latest alert."""
    for name in names:
        con.execute(sql_file("alert_ledger/subscription_seen.sql"), {"subscription": name, "at": at})
    return {k: v for k, v in seen_subscriptions(con).items() if k in set(names)}


def seen_subscriptions(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Every subscription the ledger has seen, with the last alert raised before it first saw it."""
    rows = con.execute("select subscription, after_alert_id from subscriptions").fetchall()
    return {name: int(after) for name, after in rows}


def _statements(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> None:
    """Run a file of several statements (each ends a line with `;`), each with the parameters it names:
    DuckDB binds parameters to one statement at a time."""
    for statement in sql_file(name).split(";\n"):
        body = "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("--"))
        if body.strip():
            con.execute(statement, {k: v for k, v in params.items() if re.search(rf"\${k}\b", body)})


def abandon_runs(con: duckdb.DuckDBPyConnection, at: dt.datetime) -> list[int]:
    """Settle the alerts runs left running (killed, or busy after their sends); the caller holds the alerts lock."""
    return sorted(r[0] for r in con.execute(sql_file("alert_ledger/abandoned.sql"), {"at": at}).fetchall())


def see_recipient(
    con: duckdb.DuckDBPyConnection, recipient: str, label: str, hears_everything: bool, at: dt.datetime
) -> None:
    """A recipient configured now: remembered; one first seen that hears everything is owed what is pending."""
    params = {"recipient": recipient, "label": label, "hears_everything": hears_everything, "at": at}
    _statements(con, "alert_ledger/recipient_seen.sql", params)


def rename_recipient(con: duckdb.DuckDBPyConnection, old_name: str, new_name: str, prefix: str) -> None:
    """Subscription `old_name` is now `new_name`: what it is owed, has had and its first sighting follow."""
    params = {"old": prefix + old_name, "new": prefix + new_name, "old_name": old_name, "new_name": new_name}
    _statements(con, "alert_ledger/rename_recipient.sql", params)


def recipients(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    """Every recipient the ledger knows, with whether it hears everything."""
    return {r: bool(h) for r, h in con.execute("select recipient, hears_everything from alert_recipients").fetchall()}


def owe(con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[int, str]], at: dt.datetime) -> None:
    """Alerts now owed to recipients, (alert id, recipient) each; one owed or closed before stays as it is."""
    if rows:
        params = {"rows": [{"alert_id": i, "recipient": r} for i, r in rows], "at": at}
        con.execute(sql_file("alert_ledger/owe.sql"), params)


def outbox(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[int, str | None]]]:
    """What each recipient is owed: (alert id, delivery id in doubt or None), oldest first."""
    owed: dict[str, list[tuple[int, str | None]]] = {}
    for recipient, alert_id, delivery_id in con.execute(sql_file("alert_ledger/outbox_open.sql")).fetchall():
        owed.setdefault(recipient, []).append((int(alert_id), delivery_id))
    return owed


def close_delivered(
    con: duckdb.DuckDBPyConnection, recipient: str, alert_ids: Sequence[int], delivery_id: str, at: dt.datetime
) -> None:
    params = {"recipient": recipient, "alert_ids": list(alert_ids), "delivery_id": delivery_id, "at": at}
    con.execute(sql_file("alert_ledger/close_delivered.sql"), params)


def mark_in_doubt(con: duckdb.DuckDBPyConnection, recipient: str, alert_ids: Sequence[int], delivery_id: str) -> None:
    params = {"recipient": recipient, "alert_ids": list(alert_ids), "delivery_id": delivery_id}
    con.execute(sql_file("alert_ledger/in_doubt.sql"), params)


def close_unchosen(
    con: duckdb.DuckDBPyConnection, recipient: str, alert_ids: Sequence[int], why: str, at: dt.datetime
) -> None:
    if alert_ids:
        params = {"recipient": recipient, "alert_ids": list(alert_ids), "why": why, "at": at}
        con.execute(sql_file("alert_ledger/close_unchosen.sql"), params)


def close_untrue(con: duckdb.DuckDBPyConnection, at: dt.datetime) -> None:
    """Close what is owed of the alerts no longer true (alert_ledger/no_longer_true.sql)."""
    con.execute(sql_file("alert_ledger/no_longer_true.sql"), {"at": at})


def settle_alerts(con: duckdb.DuckDBPyConnection, unwanted: Sequence[int]) -> None:
    """Each alert's delivered_at / unreached_why from its outbox; `unwanted`: raised, and no recipient wanted them."""
    _statements(con, "alert_ledger/settle_alerts.sql", {"unwanted": list(unwanted)})


def dismiss(
    con: duckdb.DuckDBPyConnection,
    recipient: str,
    alert_ids: Sequence[int],
    everything: bool,
    why: str,
    at: dt.datetime,
) -> list[int]:
    """A person closes what `recipient` is owed (`alert_ids`, or all); returns the alerts closed."""
    params = {"recipient": recipient, "alert_ids": list(alert_ids), "all": everything, "why": why, "at": at}
    closed = sorted(r[0] for r in con.execute(sql_file("alert_ledger/dismiss.sql"), params).fetchall())
    if everything:  # owed nothing new either, until an alerts run has it configured again
        con.execute("delete from alert_recipients where recipient = ?", [recipient])
    settle_alerts(con, [])
    return closed


def record_delivery(
    con: duckdb.DuckDBPyConnection, alert_ids: Sequence[int], channel: str, error: str | None, at: dt.datetime
) -> None:
    """One attempt to send these alerts to one channel: delivered (error None) or not, and why."""
    if not alert_ids:
        return
    ids = list(alert_ids)
    delivered_at = None if error else at
    con.execute(
        sql_file("alert_ledger/delivery.sql"),
        {"alert_ids": ids, "channel": channel, "delivered_at": delivered_at, "error": error},
    )
    con.execute(sql_file("alert_ledger/attempt.sql"), {"alert_ids": ids, "error": error})


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
        sql_file("alert_ledger/settle_run.sql"),
        {
            "alert_run_id": alert_run_id,
            "status": status,
            "at": at,
            "raised": raised,
            "delivered": delivered,
            "pending": pending_after,
            "message": message,
        },
    )


def pending_ids(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The alerts still owed to someone, or waiting for a first recipient (alert_ledger/pending.sql)."""
    return [int(r[0]) for r in con.execute(sql_file("alert_ledger/pending.sql")).fetchall()]


def count_pending(con: duckdb.DuckDBPyConnection) -> int:
    return len(pending_ids(con))


def expiring_soon(con: duckdb.DuckDBPyConnection, today: dt.date, days: int) -> list[dict[str, Any]]:
    """Every listed label that lapses within `days` after `today`, soonest first."""
    cur = con.execute(sql_file("alert_ledger/expiring_soon.sql"), {"today": today, "days": days})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@dataclass(frozen=True)
class Owed:
    """What one recipient the ledger knows is owed, and of that what it was offered and did not take."""

    recipient: str
    label: str
    hears_everything: bool
    owed: int
    failed: int
    last_error: str | None


def refused(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], str | None]:
    """(recipient, alert id) of every alert a recipient was offered and has not taken, with its last error."""
    rows = con.execute(
        "select channel, alert_id, last_error from alert_deliveries where delivered_at is null and attempts > 0"
    ).fetchall()
    return {(c, int(i)): e for c, i, e in rows}


def owed_by_recipient(con: duckdb.DuckDBPyConnection) -> list[Owed]:
    return [Owed(*r) for r in con.execute(sql_file("alert_ledger/owed_by_recipient.sql")).fetchall()]
