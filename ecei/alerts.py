"""One alerts run: raise the new alerts into the ledger, then deliver each to every subscription
that wants it (ecei/subscriptions.py: ECEI_NOTIFY's channels and ECEI_SUBSCRIPTIONS' subscribers).

The CLI (`ecei alerts`) and the Prefect flow (`expiry_alerts_flow`) both call `run_alerts`. The
warehouse is not held open while a channel is slow: alerts are recorded, the file closed, the
messages sent, and the file reopened to record the outcome. Each message a channel took is first
written to the delivery journal (ecei/delivery_journal.py), so a run that cannot reopen the file
loses no delivery and no later run sends it again. A lock file beside the warehouse keeps two
alerts runs from sending the same pending alerts at once.

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
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from pydantic import SecretStr

from ecei import alert_kinds, delivery_journal, subscriptions
from ecei.aftermath import after_write
from ecei.locks import alerts_lock
from ecei.moments import When, business_today, instant, judging_day
from ecei.notify import render_digest, send, trial_message, unusable
from ecei.outcome import Busy, Refused, Status
from ecei.settings import Settings
from ecei.subscriptions import NOTIFY_NAME, Target, owed
from warehouse import alerts as ledger
from warehouse.alerts import DEFAULT_THRESHOLDS, Alert
from warehouse.db import WarehouseBusy, open_when_free, transaction
from warehouse.runs import utcnow

Plan = list[tuple[Target, list[Alert]]]  # each target with the alerts it is owed


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
    # what each target is owed in this run, in the order of the targets
    plan: Plan = field(default_factory=list)
    owed_nobody: list[int | None] = field(default_factory=list)  # pending, yet no target owed them

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
    result = AlertsResult("ok", today or business_today(settings.timezone), sorted(set(thresholds)))
    try:
        with alerts_lock(db, settings.lock_wait):
            if dry_run:
                return _dry_run(settings, db, found, result, today, as_of)
            written = _run_locked(settings, db, found, result, backlog)
            after_write(settings, "alerts run", alerts_raised=True)
            return written
    except (Busy, WarehouseBusy) as exc:
        result.status, result.message = "busy", str(exc)
        return result


def _dry_run(
    settings: Settings, db: Path, found: list[Target], result: AlertsResult, today: dt.date | None, as_of: When | None
) -> AlertsResult:
    with closing(open_when_free(db, settings.busy_timeout)) as con:
        if as_of is None:
            # what an earlier run delivered but could not record counts as recorded, as the next run
            # will count it; the transaction is rolled back and the journal left for that run
            kept = delivery_journal.read(db)
            con.execute("begin transaction")
            try:
                delivery_journal.record(con, kept)
                w = ledger.window(con, result.today, result.thresholds, settings.stale_days)
                result.raised = ledger.candidates(con, w, alert_kinds.names())
                result.due = _still_owed(con, settings, found) + result.raised
            finally:
                con.execute("rollback")
            result.message = f"dry run: {len(result.raised)} new alerts, nothing recorded or sent"
            if kept:
                result.message += (
                    f"; the {len(kept)} deliveries kept in {delivery_journal.journal_path(db)} count as recorded"
                )
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


def _still_owed(con: duckdb.DuckDBPyConnection, settings: Settings, found: list[Target]) -> list[Alert]:
    """The pending alerts some target is still owed (every pending one when there is no target), as a
    run would find them; inside a transaction the caller rolls back (a first sighting is a write)."""
    subscriptions.resolve(con, settings.subscriptions, found)  # the filters, as a run reads them
    after = ledger.first_seen(con, [t.subscription for t in found if not t.hears_everything], utcnow())
    return _plan(con, found, after, set(), set())[1]


def _plan(
    con: duckdb.DuckDBPyConnection,
    found: list[Target],
    after: dict[str, int],
    current: set[str],
    journalled: set[tuple[int, str]],
) -> tuple[Plan, list[Alert], list[int | None]]:
    """Each target with the alerts it is owed (ecei.subscriptions.owed); the alerts due (those someone
    is owed; with nobody to tell, every pending one); and the pending ones nobody is owed."""
    pool = ledger.open_alerts(con, min(after.values(), default=None), sorted(current))
    plan = [(t, owed(t, pool, journalled, after.get(t.subscription), current)) for t in found]
    wanted = {a.alert_id for _, todo in plan for a in todo}
    due = [a for a in pool if a.alert_id in wanted or (a.delivered_at is None and not found)]
    # with somebody to tell, what nobody is owed (each has it, or none wants it) is pending no more
    nobody = [a.alert_id for a in pool if a.delivered_at is None and found and a.alert_id not in wanted]
    return plan, due, nobody


Sent = list[tuple[str, list[int], str | None]]  # (ledger key, alert ids, error or None) per attempt


def _run_locked(settings: Settings, db: Path, found: list[Target], result: AlertsResult, backlog: bool) -> AlertsResult:
    with closing(open_when_free(db, settings.busy_timeout)) as con:
        delivery_journal.settle(con, db)  # what an earlier run delivered but could not record
        # a subscriber's countries and clusters must name something, before anything is raised
        subscriptions.resolve(con, settings.subscriptions, found)
        with transaction(con):
            _raise(con, settings, db, found, result, backlog)
        if not found:
            with transaction(con):
                _settle(con, result, [])
            return result

    # the network part, with the warehouse closed
    sent: Sent = []
    for target, todo in result.plan:
        outcome = ChannelOutcome(target.key, target.channel, len(todo), None, target.subscription, target.mode)
        result.channels.append(outcome)
        size = settings.digest_max_alerts if target.mode == "digest" else 1
        batches = [todo[i : i + size] for i in range(0, len(todo), size)]
        parts = len(batches) if target.mode == "digest" else 1  # `each`: messages of their own, not parts
        for i, batch in enumerate(batches):
            digest = render_digest(batch, result.today, i + 1, parts)
            error = send(target.url, digest.title, digest.body_html, settings.notify_timeout, digest.fields)
            alert_ids = [a.alert_id for a in batch if a.alert_id is not None]
            if error is not None:
                # what it did not take stays owed to it; the rest of its messages wait for the next run
                rest = alert_ids + [a.alert_id for b in batches[i + 1 :] for a in b if a.alert_id is not None]
                # the ledger's last_error names the channel; the URL never reaches it
                sent.append((target.key, rest, f"{target.channel}: {error}"))
                outcome.error = error
                break
            # on disk before anything else: from here on this message is never sent again
            name = target.channel if target.hears_everything else f"{target.subscription} ({target.channel})"
            delivery = delivery_journal.Delivery(result.alert_run_id, target.key, alert_ids, [], utcnow(), name)
            delivery_journal.append(db, delivery)
            sent.append((target.key, alert_ids, None))
            outcome.messages += 1
            outcome.delivered += len(alert_ids)
        outcome.pending = outcome.alerts - outcome.delivered

    try:
        with closing(open_when_free(db, settings.busy_timeout)) as con, transaction(con):
            _settle(con, result, sent)
    except WarehouseBusy as exc:
        return _unrecorded(db, result, sent, str(exc))
    delivery_journal.clear(db)
    return result


def _settled(result: AlertsResult, sent: Sent) -> set[int]:
    """The alerts of this run owed to nobody once `sent` is counted (none without a target)."""
    if not result.plan:
        return set()
    took = {(i, key) for key, ids, error in sent if error is None for i in ids}
    owed = {a.alert_id for t, todo in result.plan for a in todo if (a.alert_id, t.key) not in took}
    settled = {a.alert_id for a in result.due if a.alert_id is not None and a.alert_id not in owed}
    return settled | {i for i in result.owed_nobody if i is not None}


def _taken(result: AlertsResult, sent: Sent) -> set[int]:
    """The alerts of this run some channel has taken, in this run or before (what nobody wanted is
    settled without being delivered)."""
    took = {i for _, ids, error in sent if error is None for i in ids}
    return took | {a.alert_id for a in result.due if a.delivered_to and a.alert_id is not None}


def _unrecorded(db: Path, result: AlertsResult, sent: Sent, why: str) -> AlertsResult:
    """The deliveries are journalled but the warehouse could not take them: busy, and say so."""
    result.delivered_ids = _settled(result, sent) & _taken(result, sent)
    result.status = "busy"
    kept = delivery_journal.read(db)
    result.message = (
        f"{why}. The {len(kept)} messages delivered (to {', '.join(delivery_journal.names(kept))}) are kept in "
        f"{delivery_journal.journal_path(db)}: the next run records them in the warehouse and sends none of them again."
    )
    return result


def _raise(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    db: Path,
    found: list[Target],
    result: AlertsResult,
    backlog: bool,
) -> None:
    started = utcnow()
    w = ledger.window(con, result.today, result.thresholds, settings.stale_days)
    result.alert_run_id = ledger.begin_alert_run(con, w, len(found), started)
    # remembered before this run's alerts are recorded: a subscriber first seen now hears them
    after = ledger.first_seen(con, [t.subscription for t in found if not t.hears_everything], started)
    raised = ledger.candidates(con, w, alert_kinds.names())
    ledger.record_alerts(con, raised, result.alert_run_id, result.today, started)
    result.raised = [a for a in raised if a.alert_id is not None]
    current: set[str] = set()
    if backlog and after:
        now = ledger.current_window(con, result.today, result.thresholds, settings.stale_days)
        current = {a.alert_key for a in ledger.candidates(con, now, alert_kinds.names(), everything=True)}
    journalled = delivery_journal.delivered(delivery_journal.read(db))
    result.plan, result.due, result.owed_nobody = _plan(con, found, after, current, journalled)


def _settle(con: duckdb.DuckDBPyConnection, result: AlertsResult, sent: Sent) -> None:
    at = utcnow()
    for key, ids, error in sent:
        ledger.record_delivery(con, ids, key, error, at)
    settled = ledger.settle_delivered(con, sorted(_settled(result, sent)), at)
    result.delivered_ids = _taken(result, sent) & set(settled)
    result.pending_after = ledger.count_pending(con)
    failed = [c for c in result.channels if c.error]
    if failed:
        result.status = "undelivered"
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
        "undelivered" if failed else "ok",
        len(result.raised),
        result.delivered,
        result.pending_after,
        result.message,
        at,
    )
