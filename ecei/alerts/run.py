"""One alerts run: raise the new alerts into the ledger, each owed (alert_outbox) to every recipient
that wants it (ecei/alerts/subscriptions.py: ECEI_NOTIFY's channels and ECEI_SUBSCRIPTIONS' subscribers,
and those the ledger knows that this run does not configure), then deliver what each configured
recipient is owed.

The CLI (`ecei alerts`) and the Prefect flow (`expiry_alerts_flow`) both call `run_alerts`. The
warehouse is not held open while a channel is slow: alerts are recorded, the file closed, the
messages sent, and the file reopened to record the outcome. Each message is recorded in the
delivery store (ecei/alerts/delivery_store.py) before it is sent and its answer right after, so a run
that cannot reopen the file loses no delivery and no later run sends it again. A lock file beside
the warehouse keeps two alerts runs from sending the same alerts at once.

Every channel and the subscriptions file are checked before anything is raised or sent
(`all_targets`): a URL Apprise cannot use, or a file that is wrong, is refused at once.
`send_test_messages` sends each channel a short test message and records nothing. A dry run can
look at the list as it stood at an earlier instant (`as_of`): it raises what a first alerts run
would have raised from that list, whatever the ledger holds now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
from pydantic import SecretStr

from ecei.alerts import delivery_store, subscriptions
from ecei.alerts import kinds as alert_kinds
from ecei.alerts.channels import send, unusable
from ecei.alerts.delivery_store import Delivery, Kept, StoreUnusable
from ecei.alerts.digest import render_digest, trial_message
from ecei.alerts.subscriptions import KEY_PREFIX, NOTIFY_NAME, Target, label, wants
from ecei.locks import alerts_lock
from ecei.moments import When, business_today, instant, judging_day
from ecei.outcome import Busy, Refused, Status
from ecei.refresh.aftermath import after_write
from ecei.settings import Settings
from warehouse import alerts as ledger
from warehouse.alerts import DEFAULT_THRESHOLDS, Alert
from warehouse.db import WarehouseBusy, open_when_free, transaction
from warehouse.runs import utcnow

Batch = tuple[str, list[Alert]]  # one message: its delivery id and its alerts
Plan = list[tuple[Target, list[Batch]]]  # each target with the messages it is owed, in order


@dataclass
class ChannelOutcome:
    """What one channel of one subscription got in this run: `channel` is its key in the ledger (a
    channel of ECEI_NOTIFY: scheme and hash; a subscription: `subscription:<name>`), `name` how people
    read the channel (scheme and server); never the URL."""

    channel: str
    name: str
    alerts: int  # owed to it in this run
    error: str | None = None
    subscription: str = NOTIFY_NAME
    mode: str = "digest"
    messages: int = 0  # messages it took
    delivered: int = 0  # alerts it took
    pending: int = 0  # alerts it is still owed after the run


@dataclass
class AlertsResult:
    status: Status  # ok, undelivered, busy or dry-run
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
    # what each target is owed in this run, in the order of the targets
    plan: Plan = field(default_factory=list)
    unwanted: list[int] = field(default_factory=list)  # raised, and no recipient wanted them
    warnings: list[str] = field(default_factory=list)  # what the delivery store could not read

    @property
    def delivered(self) -> int:
        return len(self.delivered_ids)


@dataclass
class ChannelsTest:
    """How each configured channel took a test message: ok when all did, else undelivered."""

    status: Status
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


def all_targets(settings: Settings, notify: Sequence[SecretStr | str] | None = None) -> list[Target]:
    """Every channel to deliver to: ECEI_NOTIFY's (or `notify`'s) and ECEI_SUBSCRIPTIONS' subscribers,
    each checked; Refused naming the first that cannot work (its line in the file), before anything."""
    return subscriptions.targets(settings.subscriptions, channels(settings, notify))


def send_test_messages(settings: Settings, notify: Sequence[SecretStr | str] | None = None) -> ChannelsTest:
    """Send each channel (ECEI_NOTIFY's and every subscriber's) a short test message, each within
    ECEI_NOTIFY_TIMEOUT; nothing is recorded. Refused when no channel is configured or one cannot be used."""
    found = all_targets(settings, notify)
    if not found:
        raise Refused("no channel configured (--notify, ECEI_NOTIFY or ECEI_SUBSCRIPTIONS): nothing to test")
    outcomes = []
    for t in found:
        message = trial_message(t.url)
        error = send(t.url, message.title, message.body_html, settings.notify_timeout, message.fields)
        outcomes.append(ChannelOutcome(t.key, t.channel, 0, error, t.subscription, t.mode))
    failed = any(o.error for o in outcomes)
    return ChannelsTest(Status.UNDELIVERED if failed else Status.OK, outcomes)


def run_alerts(
    settings: Settings,
    today: dt.date | None = None,
    thresholds: Sequence[int] = DEFAULT_THRESHOLDS,
    notify: Sequence[SecretStr | str] | None = None,
    dry_run: bool = False,
    as_of: When | None = None,
    backlog: bool = False,
) -> AlertsResult:
    """Raise the alerts of `today` and deliver each to every subscription that wants it, once.
    `notify=None` means ECEI_NOTIFY; an empty list means no ECEI_NOTIFY channel (the subscribers of
    ECEI_SUBSCRIPTIONS still hear theirs; with none, the alerts stay pending). `backlog` also sends
    each subscriber the alerts still current that were raised before it was first seen. Never raises
    for a channel that fails; raises Refused for a channel that cannot work or a subscriptions file
    that is wrong, before anything else.

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
    found = all_targets(settings, notify)
    result = AlertsResult(Status.OK, today or business_today(settings.timezone), sorted(set(thresholds)))
    try:
        with alerts_lock(db, settings.lock_wait):
            if dry_run:
                return _dry_run(settings, db, found, result, today, as_of)
            written = _run_locked(settings, db, found, result, backlog)
            after_write(settings, "alerts run", alerts_raised=True)
            return written
    except (Busy, WarehouseBusy) as exc:
        result.status, result.message = Status.BUSY, str(exc)
        return result


def _dry_run(
    settings: Settings, db: Path, found: list[Target], result: AlertsResult, today: dt.date | None, as_of: When | None
) -> AlertsResult:
    with closing(open_when_free(db, settings.busy_timeout)) as con:
        if as_of is None:
            # the run itself, rolled back: what the store holds counts as recorded, as the next run
            # will count it, and the same plan is made; the store is left for that run
            kept = delivery_store.read(db)
            subscriptions.resolve(con, settings.subscriptions, found)
            con.execute("begin transaction")
            try:
                _settle_store(con, kept, utcnow())
                ledger.abandon_runs(con, utcnow())
                _raise(con, settings, found, result, backlog=False)
            finally:
                con.execute("rollback")
            result.warnings = kept.warnings
            result.message = f"dry run: {len(result.raised)} new alerts, nothing recorded or sent"
            if kept.deliveries:
                where = delivery_store.store_path(db)
                result.message += f"; the {len(kept.deliveries)} deliveries kept in {where} count as recorded"
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
    result.status = Status.DRY_RUN
    result.pending_after = len(result.due)
    return result


def _due(result: AlertsResult) -> list[Alert]:
    """The alerts this run sends, each once, oldest first; with no recipient configured, those waiting."""
    seen: dict[int | None, Alert] = {}
    for _, batches in result.plan:
        for _, batch in batches:
            for a in batch:
                seen.setdefault(a.alert_id, a)
    return sorted(seen.values(), key=lambda a: a.alert_id or 0)


def _settle_store(con: duckdb.DuckDBPyConnection, kept: Kept, at: dt.datetime) -> None:
    """What the store (and a legacy journal) holds, into the ledger, inside the caller's transaction:
    what a recipient took is owed to it no more; what it refused is an attempt; what is in doubt
    stays owed, to be sent again under the same delivery id. Settling twice changes nothing."""
    for d in kept.deliveries:
        if d.delivered:
            ledger.close_delivered(con, d.recipient, d.alert_ids, d.delivery_id, d.intended_at)
            ledger.record_delivery(con, _not_yet_taken(con, d), d.recipient, None, d.intended_at)
        elif d.answered:
            ledger.record_delivery(con, d.alert_ids, d.recipient, d.error, d.intended_at)
        else:
            ledger.mark_in_doubt(con, d.recipient, d.alert_ids, d.delivery_id)
    ledger.settle_alerts(con, [])


def _not_yet_taken(con: duckdb.DuckDBPyConnection, d: Delivery) -> list[int]:
    """Of a delivery's alerts, those the ledger holds and has not yet recorded as taken by its recipient."""
    rows = con.execute(
        "select alert_id from alert_log as a where alert_id in (select unnest($ids::integer[])) and not exists "
        "(select 1 from alert_deliveries as d where d.alert_id = a.alert_id and d.channel = $channel "
        "and d.delivered_at is not null)",
        {"ids": d.alert_ids, "channel": d.recipient},
    ).fetchall()
    return [r[0] for r in rows]


def _run_locked(settings: Settings, db: Path, found: list[Target], result: AlertsResult, backlog: bool) -> AlertsResult:
    with closing(open_when_free(db, settings.busy_timeout)) as con:
        kept = delivery_store.read(db)
        result.warnings = kept.warnings
        with transaction(con):
            _settle_store(con, kept, utcnow())  # what an earlier run sent but could not record
            ledger.abandon_runs(con, utcnow())  # under the alerts lock, a run still 'running' has ended
        delivery_store.forget(db, kept)
        # a subscriber's countries and clusters must name something, before anything is raised
        subscriptions.resolve(con, settings.subscriptions, found)
        with transaction(con):
            _raise(con, settings, found, result, backlog)
        if not found:
            with transaction(con):
                _settle(con, result, [])
            return result

    sent, stopped = _send_all(settings, db, result)  # the network part, with the warehouse closed
    try:
        with closing(open_when_free(db, settings.busy_timeout)) as con, transaction(con):
            try:
                kept = delivery_store.read(db)
            except StoreUnusable as exc:
                kept, stopped = Kept(), stopped or str(exc)
            _settle_store(con, Kept(_union(kept.deliveries, sent)), utcnow())
            _settle(con, result, sent, stopped)
    except WarehouseBusy as exc:
        return _unrecorded(result, sent, str(exc))
    delivery_store.forget(db, kept)
    return result


def _union(kept: list[Delivery], sent: list[Delivery]) -> list[Delivery]:
    """The store's deliveries and this run's, each once (this run knows how its own were answered)."""
    by_id = {d.delivery_id: d for d in kept}
    by_id.update({d.delivery_id: d for d in sent})
    return list(by_id.values())


def _send_all(settings: Settings, db: Path, result: AlertsResult) -> tuple[list[Delivery], str | None]:
    """Send each target its messages, each recorded in the store before it goes and answered after;
    stops at once (returning why) when the store cannot be written."""
    sent: list[Delivery] = []
    for target, batches in result.plan:
        owed_now = sum(len(b) for _, b in batches)
        outcome = ChannelOutcome(target.key, target.channel, owed_now, None, target.subscription, target.mode)
        result.channels.append(outcome)
        parts = len(batches) if target.mode == "digest" else 1  # `each`: messages of their own, not parts
        for i, (delivery_id, batch) in enumerate(batches):
            ids = [a.alert_id for a in batch if a.alert_id is not None]
            delivery = Delivery(delivery_id, result.alert_run_id, target.key, label(target), ids, utcnow())
            try:
                delivery_store.intend(db, delivery)  # on disk before it goes: never sent twice unknowingly
            except StoreUnusable as exc:
                outcome.pending = outcome.alerts - outcome.delivered
                return sent, str(exc)
            digest = render_digest(batch, result.today, i + 1, parts)
            fields = {**digest.fields, "delivery_id": delivery_id}
            error = send(target.url, digest.title, digest.body_html, settings.notify_timeout, fields)
            # the ledger's last_error names the channel; the URL never reaches it
            answered = replace(delivery, answered=True, error=f"{target.channel}: {error}" if error else None)
            sent.append(answered)
            try:
                delivery_store.answer(db, delivery_id, answered.error, utcnow())
            except StoreUnusable as exc:
                outcome.error = error
                outcome.messages += error is None
                outcome.delivered += len(ids) if error is None else 0
                outcome.pending = outcome.alerts - outcome.delivered
                return sent, str(exc)
            if error is not None:
                outcome.error = error  # the rest of its messages wait for the next run
                break
            outcome.messages += 1
            outcome.delivered += len(ids)
        outcome.pending = outcome.alerts - outcome.delivered
    return sent, None


def _unrecorded(result: AlertsResult, sent: list[Delivery], why: str) -> AlertsResult:
    """The deliveries are in the store but the warehouse could not take them: busy, and say so."""
    took = [d for d in sent if d.delivered]
    result.delivered_ids = {i for d in took for i in d.alert_ids}
    result.status = Status.BUSY
    result.message = (
        f"{why}. The {len(took)} messages delivered (to {', '.join(delivery_store.names(took)) or 'nobody'}) are "
        "kept in the delivery store: the next run records them in the warehouse and sends none of them again."
    )
    return result


def _raise(
    con: duckdb.DuckDBPyConnection, settings: Settings, found: list[Target], result: AlertsResult, backlog: bool
) -> None:
    """Raise the new alerts and owe each to every recipient that wants it, then make the plan."""
    started = utcnow()
    w = ledger.window(con, result.today, result.thresholds, settings.stale_days)
    result.alert_run_id = ledger.begin_alert_run(con, w, len(found), started)
    for t in found:
        for old in t.formerly:  # a subscription renamed: the new name takes over the old one's
            ledger.rename_recipient(con, old, t.subscription, KEY_PREFIX)
    # remembered before this run's alerts are recorded: a subscriber first seen now hears them
    after = ledger.first_seen(con, [t.subscription for t in found if not t.hears_everything], started)
    for t in found:
        ledger.see_recipient(con, t.key, label(t), t.hears_everything, started)
    raised = ledger.candidates(con, w, alert_kinds.names())
    ledger.record_alerts(con, raised, result.alert_run_id, result.today, started)
    result.raised = [a for a in raised if a.alert_id is not None]
    configured = {t.key: t for t in found}
    known = ledger.recipients(con)
    rows: list[tuple[int, str]] = []
    for a in result.raised:
        assert a.alert_id is not None
        # a recipient not configured now is owed it all the same; its filters judge it when it is back
        to = [r for r in known if r not in configured or wants(configured[r], a)]
        rows += [(a.alert_id, r) for r in to]
        if known and not to:
            result.unwanted.append(a.alert_id)
    if backlog and after:
        rows += _backlog(con, settings, result, found, after)
    ledger.owe(con, rows, started)
    ledger.close_untrue(con, started)
    result.plan = _plan(con, settings, found, result.today, started)
    ledger.settle_alerts(con, result.unwanted)
    # due: what this run sends; with nobody configured, every pending alert, as it waits
    result.due = (
        _due(result) if found else list(ledger.alerts_by_id(con, ledger.pending_ids(con), result.today).values())
    )


def _backlog(
    con: duckdb.DuckDBPyConnection, settings: Settings, result: AlertsResult, found: list[Target], after: dict[str, int]
) -> list[tuple[int, str]]:
    """The alerts still current raised before each subscriber was first seen, that its filters choose."""
    now = ledger.current_window(con, result.today, result.thresholds, settings.stale_days)
    current = {a.alert_key for a in ledger.candidates(con, now, alert_kinds.names(), everything=True)}
    ids = [
        r[0]
        for r in con.execute(
            "select alert_id from alert_log where alert_key in (select unnest(?))", [sorted(current)]
        ).fetchall()
    ]
    alerts = ledger.alerts_by_id(con, ids, result.today).values()
    return [
        (a.alert_id, t.key)
        for t in found
        if t.subscription in after
        for a in alerts
        if a.alert_id is not None and a.alert_id <= after[t.subscription] and wants(t, a)
    ]


def _plan(
    con: duckdb.DuckDBPyConnection, settings: Settings, found: list[Target], today: dt.date, at: dt.datetime
) -> Plan:
    """Each configured target with its messages: what it is owed and its filters choose (what they no
    longer choose is closed, saying so); a message in doubt first, whole, under its delivery id."""
    owed = ledger.outbox(con)
    alerts = ledger.alerts_by_id(con, sorted({i for rows in owed.values() for i, _ in rows}), today)
    plan: Plan = []
    for t in found:
        rows = [(alerts[i], d) for i, d in owed.get(t.key, []) if i in alerts]
        unchosen = [a.alert_id for a, _ in rows if not wants(t, a) and a.alert_id is not None]
        ledger.close_unchosen(con, t.key, unchosen, f"the filters of {t.subscription} do not choose it", at)
        rows = [(a, d) for a, d in rows if a.alert_id not in set(unchosen)]
        batches: list[Batch] = []
        for doubt in dict.fromkeys(d for _, d in rows if d is not None):
            batches.append((doubt, [a for a, d in rows if d == doubt]))
        fresh = [a for a, d in rows if d is None]
        size = settings.digest_max_alerts if t.mode == "digest" else 1
        batches += [(delivery_store.new_id(), fresh[i : i + size]) for i in range(0, len(fresh), size)]
        plan.append((t, batches))
    return plan


def _settle(
    con: duckdb.DuckDBPyConnection, result: AlertsResult, sent: list[Delivery], stopped: str | None = None
) -> None:
    at = utcnow()
    result.delivered_ids = {i for d in sent if d.delivered for i in d.alert_ids}
    result.pending_after = ledger.count_pending(con)
    failed = [c for c in result.channels if c.error]
    if stopped:
        result.status = Status.UNDELIVERED
        result.message = f"{stopped}. {result.pending_after} alerts stay pending; the next run sends them."
    elif failed:
        result.status = Status.UNDELIVERED
        result.message = (
            f"delivery failed on {len(failed)} of {len(result.channels)} channels: "
            + "; ".join(f"{c.subscription} ({c.name}): {c.error}" for c in failed)
            + f". {sum(c.pending for c in failed)} deliveries stay pending for them; the next run sends them."
        )
    elif not result.plan:
        result.message = (
            "no channel configured (--notify, ECEI_NOTIFY or ECEI_SUBSCRIPTIONS): "
            f"{result.pending_after} alerts recorded as pending"
        )
    assert result.alert_run_id is not None
    ledger.settle_alert_run(
        con,
        result.alert_run_id,
        Status.UNDELIVERED if failed or stopped else Status.OK,
        len(result.raised),
        result.delivered,
        result.pending_after,
        result.message,
        at,
    )


@dataclass
class Dismissed:
    recipient: str
    label: str
    alert_ids: list[int]


def recipient_of(con: duckdb.DuckDBPyConnection, given: str) -> tuple[str, str]:
    """The recipient a person names: a subscription's name, or a recipient's key or label as `ecei status` shows it."""
    rows = con.execute("select recipient, label from alert_recipients").fetchall()
    for key, text in rows:
        if given in (key, text) or key == subscriptions.key_of(given):
            return str(key), str(text)
    known = ", ".join(sorted(str(k).removeprefix(KEY_PREFIX) for k, _ in rows)) or "none yet"
    raise Refused(f"no recipient {given!r} in the ledger (those it knows: {known}); nothing was dismissed")


def dismiss(settings: Settings, given: str, alert_ids: Sequence[int], everything: bool, why: str) -> Dismissed:
    """Close what a recipient is owed (`alert_ids`, or all of it and nothing new until it is configured
    again), with a person's `why`; Refused for an unknown recipient or an alert it is not owed."""
    db = Path(settings.db)
    with alerts_lock(db, settings.lock_wait), closing(open_when_free(db, settings.busy_timeout)) as con:
        key, text = recipient_of(con, given)
        owed = {i for i, _ in ledger.outbox(con).get(key, [])}
        stray = sorted(set(alert_ids) - owed)
        if stray:
            raise Refused(f"{text} is not owed alert {', '.join(map(str, stray))}; nothing was dismissed")
        with transaction(con):
            closed = ledger.dismiss(con, key, alert_ids, everything, why, utcnow())
    return Dismissed(key, text, closed)


def settle_deliveries(con: duckdb.DuckDBPyConnection, db: Path) -> list[str]:
    """Record what the delivery store holds in the warehouse and empty it (replay does this before it
    rebuilds); the caller holds the alerts lock. Returns the store's warnings."""
    kept = delivery_store.read(db)
    with transaction(con):
        _settle_store(con, kept, utcnow())
        ledger.abandon_runs(con, utcnow())
    delivery_store.forget(db, kept)
    return kept.warnings


def owed_to(settings: Settings, given: str) -> Dismissed:
    """What the recipient a person names is owed now (read-only): its key, label and alert ids."""
    with closing(open_when_free(Path(settings.db), settings.busy_timeout, read_only=True)) as con:
        key, text = recipient_of(con, given)
        return Dismissed(key, text, [i for i, _ in ledger.outbox(con).get(key, [])])
