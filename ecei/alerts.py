"""One alerts run: raise the new alerts into the ledger, then deliver every pending one.

The CLI (`ecei alerts`) and the Prefect flow (`expiry_alerts_flow`) both call `run_alerts`. The
warehouse is not held open while a channel is slow: alerts are recorded, the file closed, the
digests sent, and the file reopened to record the outcome. Each digest a channel took is first
written to the delivery journal (ecei/delivery_journal.py), so a run that cannot reopen the file
loses no delivery and no later run sends it again. A lock file beside the warehouse keeps two
alerts runs from sending the same pending alerts at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from pydantic import SecretStr

from ecei import alert_kinds, delivery_journal
from ecei.locks import alerts_lock
from ecei.notify import channel_id, render_digest, send
from ecei.outcome import Busy
from ecei.settings import Settings
from warehouse import alerts as ledger
from warehouse.alerts import DEFAULT_THRESHOLDS, Alert
from warehouse.db import WarehouseBusy, open_when_free, transaction
from warehouse.runs import utcnow


@dataclass
class ChannelOutcome:
    """What one channel got in this run; `channel` is its id (scheme and hash), never the URL."""

    channel: str
    alerts: int
    error: str | None = None


@dataclass
class AlertsResult:
    status: str  # 'ok' | 'undelivered' | 'busy' | 'dry-run'
    today: dt.date
    thresholds: list[int]
    alert_run_id: int | None = None
    raised: list[Alert] = field(default_factory=list)
    # everything due for delivery in this run: the new alerts and those left pending before
    due: list[Alert] = field(default_factory=list)
    channels: list[ChannelOutcome] = field(default_factory=list)
    delivered_ids: set[int] = field(default_factory=set)
    pending_after: int = 0
    message: str | None = None

    @property
    def delivered(self) -> int:
        return len(self.delivered_ids)


def local_today(settings: Settings) -> dt.date:
    """Today where the team lives (ECEI_TIMEZONE), not in UTC."""
    return dt.datetime.now(ZoneInfo(settings.timezone)).date()


def _urls(notify: Sequence[SecretStr | str] | None, settings: Settings) -> list[str]:
    chosen = settings.notify if notify is None else notify
    urls = [u.get_secret_value() if isinstance(u, SecretStr) else u for u in chosen]
    return list(dict.fromkeys(u.strip() for u in urls if u.strip()))


def run_alerts(
    settings: Settings,
    today: dt.date | None = None,
    thresholds: Sequence[int] = DEFAULT_THRESHOLDS,
    notify: Sequence[SecretStr | str] | None = None,
    dry_run: bool = False,
) -> AlertsResult:
    """Raise and deliver the alerts of `today`. `notify=None` means ECEI_NOTIFY; an empty list
    means no delivery (the alerts stay pending). Never raises for a channel that fails."""
    db = Path(settings.db)
    if not db.exists():
        raise FileNotFoundError(f"no warehouse at {db}: run `ecei refresh` first")
    if not thresholds or any(t <= 0 for t in thresholds):
        raise ValueError("thresholds must be positive numbers of days")
    today = today or local_today(settings)
    urls = _urls(notify, settings)
    result = AlertsResult("ok", today, sorted(set(thresholds)))
    try:
        with alerts_lock(db, settings.lock_wait):
            if dry_run:
                return _dry_run(settings, db, result)
            return _run_locked(settings, db, urls, result)
    except (Busy, WarehouseBusy) as exc:
        result.status, result.message = "busy", str(exc)
        return result


def _dry_run(settings: Settings, db: Path, result: AlertsResult) -> AlertsResult:
    with closing(open_when_free(db, settings.busy_timeout)) as con:
        w = ledger.window(con, result.today, result.thresholds, settings.stale_days)
        result.raised = ledger.candidates(con, w, alert_kinds.names())
        result.due = ledger.pending(con) + result.raised
    result.status = "dry-run"
    result.pending_after = len(result.due)
    result.message = f"dry run: {len(result.raised)} new alerts, nothing recorded or sent"
    return result


def _run_locked(settings: Settings, db: Path, urls: list[str], result: AlertsResult) -> AlertsResult:
    with closing(open_when_free(db, settings.busy_timeout)) as con:
        delivery_journal.settle(con, db)  # what an earlier run delivered but could not record
        with transaction(con):
            _raise(con, settings, urls, result)
        if not urls:
            with transaction(con):
                _settle(con, result, [], [])
            return result

    # the network part, with the warehouse closed
    channels = [channel_id(u) for u in urls]
    journalled = delivery_journal.delivered(delivery_journal.read(db))
    sent: list[tuple[str, list[int], str | None]] = []
    for url, channel in zip(urls, channels, strict=True):
        todo = [a for a in result.due if channel not in a.delivered_to and (a.alert_id, channel) not in journalled]
        if not todo:
            continue
        digest = render_digest(todo, result.today)
        error = send(url, digest.title, digest.body_html, settings.notify_timeout)
        ids = [a.alert_id for a in todo if a.alert_id is not None]
        if error is None:
            # on disk before anything else: from here on this digest is never sent again
            delivery = delivery_journal.Delivery(result.alert_run_id, channel, ids, channels, utcnow())
            delivery_journal.append(db, delivery)
        sent.append((channel, ids, error))
        result.channels.append(ChannelOutcome(channel, len(todo), error))

    try:
        with closing(open_when_free(db, settings.busy_timeout)) as con, transaction(con):
            _settle(con, result, channels, sent)
    except WarehouseBusy as exc:
        return _unrecorded(db, result, channels, sent, str(exc))
    delivery_journal.clear(db)
    return result


def _unrecorded(
    db: Path, result: AlertsResult, channels: list[str], sent: list[tuple[str, list[int], str | None]], why: str
) -> AlertsResult:
    """The deliveries are journalled but the warehouse could not take them: busy, and say so."""
    took: dict[int, set[str]] = {}
    for channel, ids, error in sent:
        for alert_id in ids if error is None else []:
            took.setdefault(alert_id, set()).add(channel)
    due = {a.alert_id: a.delivered_to for a in result.due if a.alert_id is not None}
    result.delivered_ids = {i for i, before in due.items() if set(channels) <= before | took.get(i, set())}
    result.status = "busy"
    result.message = (
        f"{why}. The {len([s for s in sent if s[2] is None])} digests delivered are kept in "
        f"{delivery_journal.journal_path(db)}: the next run records them in the warehouse and sends none of them again."
    )
    return result


def _raise(con: duckdb.DuckDBPyConnection, settings: Settings, urls: list[str], result: AlertsResult) -> None:
    started = utcnow()
    w = ledger.window(con, result.today, result.thresholds, settings.stale_days)
    result.alert_run_id = ledger.begin_alert_run(con, w, len(urls), started)
    raised = ledger.candidates(con, w, alert_kinds.names())
    ledger.record_alerts(con, raised, result.alert_run_id, result.today, started)
    result.raised = [a for a in raised if a.alert_id is not None]
    result.due = ledger.pending(con)


def _settle(
    con: duckdb.DuckDBPyConnection,
    result: AlertsResult,
    channels: list[str],
    sent: list[tuple[str, list[int], str | None]],
) -> None:
    at = utcnow()
    for channel, ids, error in sent:
        ledger.record_delivery(con, ids, channel, error, at)
    due_ids = [a.alert_id for a in result.due if a.alert_id is not None]
    result.delivered_ids = set(ledger.mark_delivered(con, due_ids, channels, at))
    result.pending_after = ledger.count_pending(con)
    failed = [c for c in result.channels if c.error]
    if failed:
        result.status = "undelivered"
        result.message = (
            f"delivery failed on {len(failed)} of {len(channels)} channels: "
            + "; ".join(f"{c.channel}: {c.error}" for c in failed)
            + f". {result.pending_after} alerts stay pending; the next run sends them."
        )
    elif not channels:
        result.message = (
            f"no channel configured (--notify or ECEI_NOTIFY): {result.pending_after} alerts recorded as pending"
        )
    assert result.alert_run_id is not None
    ledger.settle_alert_run(
        con,
        result.alert_run_id,
        "undelivered" if failed else "ok",
        len(result.raised),
        result.delivered,
        result.pending_after,
        result.message,
        at,
    )
