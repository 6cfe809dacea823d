"""expiry_alerts_flow: raise and deliver label alerts as a Prefect flow run, with a table artifact.

Thin over `ecei.alerts.run.run_alerts`, delivering to ECEI_NOTIFY and every subscriber of
ECEI_SUBSCRIPTIONS. A channel that fails fails the flow run (its alerts stay pending for it for the
next run); a channel or subscriptions file that cannot work fails it before anything is raised; no
channel at all completes the run, saying the alerts are pending.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import closing
from typing import Any

from prefect import Flow, State, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed
from pydantic import SecretStr

from ecei.alerts import kinds as alert_kinds
from ecei.alerts.run import AlertsResult, all_targets, run_alerts
from ecei.moments import business_today
from ecei.outcome import Status
from ecei.settings import Settings
from flows.catchup import superseded
from warehouse import alerts as ledger
from warehouse.alerts import DEFAULT_THRESHOLDS
from warehouse.db import open_when_free

DEFAULT_LADDER = list(DEFAULT_THRESHOLDS)


class AlertsUndelivered(RuntimeError):
    """A channel refused the digest; its alerts stay pending."""


class AlertsBusy(RuntimeError):
    """Another alerts run holds the warehouse."""


def _day(today: dt.date | str | None, settings: Settings) -> dt.date:
    if today is None:
        return business_today(settings.timezone)
    return today if isinstance(today, dt.date) else dt.date.fromisoformat(today)


@task(name="raise-and-deliver", retries=2, retry_delay_seconds=[30, 120], cache_policy=NO_CACHE)
def raise_and_deliver(
    settings: Settings, today: dt.date, thresholds: list[int], notify: list[SecretStr] | None
) -> AlertsResult:
    result = run_alerts(settings, today, thresholds, notify)
    if result.status == Status.BUSY:
        raise AlertsBusy(result.message)
    return result


def expiring_soon(settings: Settings, today: dt.date, days: int) -> list[dict[str, object]]:
    """Every listed label that lapses within `days` after `today`, soonest first."""
    with closing(open_when_free(settings.db, settings.busy_timeout, read_only=True)) as con:
        rows = ledger.expiring_soon(con, today, days)
    return [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in r.items()} for r in rows]


@task(name="publish-expiring", cache_policy=NO_CACHE)
def publish_expiring(settings: Settings, today: dt.date, days: int) -> int:
    rows = expiring_soon(settings, today, days)
    create_table_artifact(
        key="ecei-expiring",
        table=rows,
        description=f"labels lapsing within {days} days after {today.isoformat()} ({len(rows)})",
    )
    return len(rows)


class MaskedNotifyFlow(Flow[..., Any]):
    """A flow whose `notify` URLs are masked before its parameters reach the Prefect API (the flow
    run record would otherwise keep the tokens); the flow itself still gets them."""

    def serialize_parameters(self, parameters: dict[str, Any]) -> dict[str, Any]:
        if parameters.get("notify"):
            parameters = {**parameters, "notify": ["**********" for _ in parameters["notify"]]}
        return super().serialize_parameters(parameters)


def masked_notify_flow(name: str) -> Callable[[Callable[..., Any]], MaskedNotifyFlow]:
    """Like `@flow(name=...)`, with `notify` masked in the API."""

    def wrap(fn: Callable[..., Any]) -> MaskedNotifyFlow:
        return MaskedNotifyFlow(fn, name=name)

    return wrap


@masked_notify_flow("ecei-expiry-alerts")
def expiry_alerts_flow(
    db_path: str | None = None,
    today: dt.date | str | None = None,
    within_days: int | list[int] = DEFAULT_LADDER,
    notify: list[SecretStr] | None = None,
) -> dict[str, object] | State:
    """Raise the label alerts of every kind (ecei/alerts/kinds.py) and deliver them, each once.
    `notify=None` uses ECEI_NOTIFY; `notify=[]` no channel of it (the subscribers of ECEI_SUBSCRIPTIONS
    still hear theirs; with none, the alerts stay pending)."""
    logger = get_run_logger()
    skip = superseded()
    if skip:
        logger.info(skip)
        return Completed(name="Skipped", message=skip)
    given: dict[str, Any] = {"db": db_path} if db_path else {}  # validated (and converted) by Settings
    settings = Settings(**given)
    # a channel Apprise cannot use, or a wrong subscriptions file, fails the run at once (Refused,
    # naming it), before the task and its retries
    all_targets(settings, notify)
    day = _day(today, settings)
    ladder = [within_days] if isinstance(within_days, int) else list(within_days)
    result = raise_and_deliver(settings, day, ladder, notify)
    publish_expiring(settings, day, max(ladder))
    summary: dict[str, object] = {
        "alert_run_id": result.alert_run_id,
        "status": result.status,
        "today": day.isoformat(),
        "raised": len(result.raised),
        "raised_by_kind": alert_kinds.counts(result.raised),
        "delivered": result.delivered,
        "pending": result.pending_after,
        "channels": [vars(c) for c in result.channels],
        "message": result.message,
    }
    line = (
        f"alerts run {result.alert_run_id} for {day}: {len(result.raised)} new, "
        f"{result.delivered} delivered, {result.pending_after} pending"
    )
    if result.status == Status.UNDELIVERED:
        logger.error(f"{line}. {result.message}")
        raise AlertsUndelivered(result.message)
    if result.message:
        logger.warning(f"{line}. {result.message}")
        return Completed(message=result.message, data=summary)
    logger.info(line)
    return summary
