"""How the watcher stands, for a person or a monitor: the last refresh, whether the data is stale,
the alerts waiting for each channel (ECEI_NOTIFY's and each subscriber's), and the warehouse file
itself.

The warehouse is only read (opened read-only, so a refresh's crawl never waits for it); staleness
is the `stale` alert kind's own rule (warehouse/watcher_state.sql). The next scheduled runs come
from the Prefect server, which only the command layer asks (flows/schedules.py).
"""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecei.alerts import delivery_store
from ecei.moments import business_today
from ecei.outcome import Refused, Status
from warehouse import alerts as ledger
from warehouse.db import WarehouseBusy, open_when_free
from warehouse.runs import utcnow
from warehouse.watcher import WatcherState, watcher_state

if TYPE_CHECKING:
    from ecei.alerts.subscriptions import Target
    from ecei.query_settings import QuerySettings
    from ecei.settings import Settings


@dataclass(frozen=True)
class WarehouseFile:
    path: Path  # as resolved: the file a symlink names
    size: int  # bytes
    wal_size: int | None  # bytes of its write-ahead log, None when it has none


@dataclass(frozen=True)
class ChannelPending:
    """One configured channel (of ECEI_NOTIFY, or a subscriber's as `name (scheme://host)`): named by
    scheme and host, never by its URL."""

    channel: str
    pending: int  # alerts it has not taken yet
    failed: int = 0  # of those, offered to it and not taken
    last_error: str | None = None  # what it said the last time it failed (redacted when recorded)
    configured: bool = True  # False: the ledger knows it, this configuration does not (it keeps what it is owed)
    recipient: str = ""  # how `ecei dismiss --subscriber` names it


@dataclass
class StatusResult:
    """`ok` healthy; `failed` the data is stale (the `stale` rule); `undelivered` a channel did not take
    its alerts; `busy` the warehouse could not be read (only the file is described)."""

    status: Status
    checked_at: dt.datetime  # naive UTC
    today: dt.date  # the day staleness is counted to (ECEI_TIMEZONE)
    file: WarehouseFile
    last_run: dict[str, Any] | None = None  # the latest run as crawl_runs has it, a running one too
    watcher: WatcherState | None = None
    pending: int = 0  # alerts some recipient is still owed, or waiting for a first one
    channels: list[ChannelPending] = field(default_factory=list)
    message: str | None = None  # why it is not ok
    warnings: list[str] = field(default_factory=list)  # what the delivery store could not read


def warehouse_file(db: Path) -> WarehouseFile:
    real = Path(db).resolve()
    wal = real.with_name(real.name + ".wal")
    return WarehouseFile(real, real.stat().st_size, wal.stat().st_size if wal.exists() else None)


def _last_run(con: Any) -> dict[str, Any] | None:
    cur = con.execute("select * from crawl_runs order by run_id desc limit 1")
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    return dict(zip(names, row, strict=True)) if row is not None else None


def _channels(
    con: Any, db: Path, settings: Settings | QuerySettings, today: dt.date
) -> tuple[int, list[ChannelPending], list[str]]:
    """How many alerts are pending, and what each recipient is owed (alert_outbox): each configured
    one (ECEI_NOTIFY's, then ECEI_SUBSCRIPTIONS'), as the next run will count it (its filters, its
    former names, the deliveries the store holds), then those the ledger knows and nothing configures.
    Refused when the file is wrong."""
    found = _configured(con, settings)
    kept = delivery_store.read(db)
    taken = {(d.recipient, i) for d in kept.deliveries if d.delivered for i in d.alert_ids}
    outbox = ledger.outbox(con)
    refused = ledger.refused(con)
    known = {o.recipient: o for o in ledger.owed_by_recipient(con)}
    owed_ids = sorted({i for rows in outbox.values() for i, _ in rows})
    alerts = ledger.alerts_by_id(con, owed_ids, today) if found and owed_ids else {}  # only the filters read them
    waiting = ledger.count_pending(con)
    channels, claimed = [], set()
    if found:
        from ecei.alerts.subscriptions import key_of, label, wants
    for t in found:
        keys = [t.key] + [key_of(old) for old in t.formerly]
        claimed |= set(keys)
        ids = {i for k in keys for i, _ in outbox.get(k, []) if (t.key, i) not in taken and (k, i) not in taken}
        if t.key not in known and t.hears_everything:
            # first seen by the next run: owed every alert pending then
            channels.append(ChannelPending(label(t), waiting))
            continue
        todo = {i for i in ids if i in alerts and wants(t, alerts[i])}
        errors = [refused[(t.key, i)] for i in sorted(todo) if (t.key, i) in refused]
        channels.append(ChannelPending(label(t), len(todo), len(errors), errors[-1] if errors else None))
    for key, o in known.items():
        if key not in claimed:
            owed = sum((key, i) not in taken for i, _ in outbox.get(key, []))
            channels.append(ChannelPending(f"{o.label}, not configured", owed, o.failed, o.last_error, False, o.label))
    return waiting, channels, kept.warnings


def _configured(con: Any, settings: Settings | QuerySettings) -> list[Target]:
    """The recipients configured now, ECEI_NOTIFY's then ECEI_SUBSCRIPTIONS' (Refused when the file is
    wrong); with neither, none, and the file's reader (pydantic, YAML) is not imported."""
    urls = [u.get_secret_value().strip() for u in settings.notify if u.get_secret_value().strip()]
    if not urls and settings.subscriptions is None:
        return []
    from ecei.alerts import subscriptions

    found = subscriptions.targets(settings.subscriptions, urls, check=False)
    subscriptions.resolve(con, settings.subscriptions, found)
    return found


def status(settings: Settings | QuerySettings, read_from: Path | None = None) -> StatusResult:
    """The watcher's state, read from the warehouse opened read-only (or from `read_from`, its
    published copy: ecei.outputs.publish); never raises for a busy one. The file described is the live one."""
    db = Path(settings.db)
    result = StatusResult(Status.OK, utcnow(), business_today(settings.timezone), warehouse_file(db))
    try:
        con = open_when_free(read_from or db, settings.busy_timeout, read_only=True)
    except WarehouseBusy as exc:
        result.status, result.message = Status.BUSY, str(exc)
        return result
    with closing(con):
        result.last_run = _last_run(con)
        result.watcher = watcher_state(con, result.today, settings.stale_days)
        try:
            result.pending, result.channels, result.warnings = _channels(con, db, settings, result.today)
        except Refused as exc:
            unusable_file: str | None = str(exc)
        else:
            unusable_file = None
    failing = [c for c in result.channels if c.failed and c.configured]
    if result.watcher.is_stale:
        result.status, result.message = Status.FAILED, result.watcher.stale_detail
    elif unusable_file:
        # the alerts runs refuse it too: nobody hears anything until it is mended
        result.status, result.message = Status.FAILED, unusable_file
    elif failing:
        result.status = Status.UNDELIVERED
        result.message = "alerts stay undelivered on " + ", ".join(f"{c.channel} ({c.failed})" for c in failing)
    return result
