"""One alerts run: raise the new alerts into the ledger, then deliver every pending one.

The CLI (`ecei alerts`) and the Prefect flow (`expiry_alerts_flow`) both call `run_alerts`. The
warehouse is not held open while a channel is slow: alerts are recorded, the file closed, the
digests sent, and the file reopened to record the outcome. Each digest a channel took is first
written to the delivery journal (ecei/delivery_journal.py), so a run that cannot reopen the file
loses no delivery and no later run sends it again. A lock file beside the warehouse keeps two
alerts runs from sending the same pending alerts at once.

Every channel is checked before anything is raised or sent (`channels`): a URL Apprise cannot use
is refused at once. `send_test_messages` sends each channel a short test message and records nothing.
A dry run can look at the list as it stood at an earlier instant (`as_of`): it raises what a first
alerts run would have raised from that list, whatever the ledger holds now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from pydantic import SecretStr

from ecei import alert_kinds, delivery_journal
from ecei.aftermath import after_write
from ecei.locks import alerts_lock
from ecei.moments import When, business_today, instant, judging_day
from ecei.notify import channel_id, channel_name, render_digest, send, trial_message, unusable
from ecei.outcome import Busy, Refused, Status
from ecei.settings import Settings
from warehouse import alerts as ledger
from warehouse.alerts import DEFAULT_THRESHOLDS, Alert
from warehouse.db import WarehouseBusy, open_when_free, transaction
from warehouse.runs import utcnow


@dataclass
class ChannelOutcome:
    """What one channel got in this run: `channel` is its id in the ledger (scheme and hash),
    `name` how people read it (scheme and server); never the URL."""

    channel: str
    name: str
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
    as_of: dt.datetime | None = None  # a dry run of the list as it stood then (naive UTC)

    @property
    def delivered(self) -> int:
        return len(self.delivered_ids)


@dataclass
class ChannelsTest:
    """How each configured channel took a test message: 'ok' when all did, else 'undelivered'."""

    status: str
    channels: list[ChannelOutcome]


def channels(settings: Settings, notify: Sequence[SecretStr | str] | None = None) -> list[str]:
    """The channels' URLs (`notify`, or ECEI_NOTIFY when None), each once; Refused, naming each
    channel Apprise cannot use and what to write instead, before anything is raised or sent."""
    chosen = settings.notify if notify is None else notify
    urls = [u.get_secret_value() if isinstance(u, SecretStr) else u for u in chosen]
    urls = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
    problems = [p for p in map(unusable, urls) if p]
    if problems:
        origin = "--notify" if notify is not None else "ECEI_NOTIFY"
        raise Refused(f"{origin}: {'; '.join(problems)}; nothing was raised or sent")
    return urls


def send_test_messages(settings: Settings, notify: Sequence[SecretStr | str] | None = None) -> ChannelsTest:
    """Send each channel a short test message, each within ECEI_NOTIFY_TIMEOUT; nothing is recorded.
    Refused when no channel is configured or one cannot be used."""
    urls = channels(settings, notify)
    if not urls:
        raise Refused("no channel configured (--notify or ECEI_NOTIFY): nothing to test")
    outcomes = []
    for url in urls:
        message = trial_message(url)
        error = send(url, message.title, message.body_html, settings.notify_timeout, message.fields)
        outcomes.append(ChannelOutcome(channel_id(url), channel_name(url), 0, error))
    failed = any(o.error for o in outcomes)
    return ChannelsTest(Status.UNDELIVERED if failed else Status.OK, outcomes)


def run_alerts(
    settings: Settings,
    today: dt.date | None = None,
    thresholds: Sequence[int] = DEFAULT_THRESHOLDS,
    notify: Sequence[SecretStr | str] | None = None,
    dry_run: bool = False,
    as_of: When | None = None,
) -> AlertsResult:
    """Raise and deliver the alerts of `today`. `notify=None` means ECEI_NOTIFY; an empty list
    means no delivery (the alerts stay pending). Never raises for a channel that fails; raises
    Refused for a channel Apprise cannot use, before anything else.

    `as_of` (dry runs only) judges the list as it stood then (clusters_as_of) and the refreshes up
    to then; `today` defaults to its day (ecei.moments.judging_day).
    """
    db = Path(settings.db)
    if not db.exists():
        raise FileNotFoundError(f"no warehouse at {db}: run `ecei refresh` first")
    if not thresholds or any(t <= 0 for t in thresholds):
        raise ValueError("thresholds must be positive numbers of days")
    if as_of is not None and not dry_run:
        raise ValueError("as_of is for dry runs only: the ledger records what is raised from the latest list")
    urls = channels(settings, notify)
    result = AlertsResult("ok", today or business_today(settings.timezone), sorted(set(thresholds)))
    try:
        with alerts_lock(db, settings.lock_wait):
            if dry_run:
                return _dry_run(settings, db, result, today, as_of)
            written = _run_locked(settings, db, urls, result)
            after_write(settings, "alerts run")
            return written
    except (Busy, WarehouseBusy) as exc:
        result.status, result.message = "busy", str(exc)
        return result


def _dry_run(
    settings: Settings, db: Path, result: AlertsResult, today: dt.date | None, as_of: When | None
) -> AlertsResult:
    with closing(open_when_free(db, settings.busy_timeout)) as con:
        if as_of is None:
            w = ledger.window(con, result.today, result.thresholds, settings.stale_days)
            result.raised = ledger.candidates(con, w, alert_kinds.names())
            result.due = ledger.pending(con) + result.raised
            result.message = f"dry run: {len(result.raised)} new alerts, nothing recorded or sent"
        else:
            result.as_of = instant(con, as_of)
            result.today = judging_day(today, result.as_of, settings.timezone)
            w = ledger.window_as_of(con, result.today, result.thresholds, settings.stale_days, result.as_of)
            result.raised = ledger.candidates(con, w, alert_kinds.names())
            result.due = list(result.raised)
            result.message = (
                f"dry run of the list as it stood at {as_of.text}: {len(result.raised)} alerts a first alerts run "
                f"would raise, judged against {result.today.isoformat()}; the ledger is not consulted, "
                "nothing recorded or sent"
            )
    result.status = "dry-run"
    result.pending_after = len(result.due)
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
    ids = [channel_id(u) for u in urls]
    journalled = delivery_journal.delivered(delivery_journal.read(db))
    sent: list[tuple[str, list[int], str | None]] = []
    for url, channel in zip(urls, ids, strict=True):
        todo = [a for a in result.due if channel not in a.delivered_to and (a.alert_id, channel) not in journalled]
        if not todo:
            continue
        digest = render_digest(todo, result.today)
        error = send(url, digest.title, digest.body_html, settings.notify_timeout, digest.fields)
        alert_ids = [a.alert_id for a in todo if a.alert_id is not None]
        name = channel_name(url)
        if error is None:
            # on disk before anything else: from here on this digest is never sent again
            delivery = delivery_journal.Delivery(result.alert_run_id, channel, alert_ids, ids, utcnow(), name)
            delivery_journal.append(db, delivery)
        # the ledger's last_error names the channel; the URL never reaches it
        sent.append((channel, alert_ids, None if error is None else f"{name}: {error}"))
        result.channels.append(ChannelOutcome(channel, name, len(todo), error))

    try:
        with closing(open_when_free(db, settings.busy_timeout)) as con, transaction(con):
            _settle(con, result, ids, sent)
    except WarehouseBusy as exc:
        return _unrecorded(db, result, ids, sent, str(exc))
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
    kept = delivery_journal.read(db)
    result.message = (
        f"{why}. The {len(kept)} digests delivered (to {', '.join(delivery_journal.names(kept))}) are kept in "
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
            + "; ".join(f"{c.name}: {c.error}" for c in failed)
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
