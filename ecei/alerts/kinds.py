"""The alert kinds, declared once: in the order digests and tables show them, each with its heading,
how one alert of it reads, and its headline (the title of a message that carries it alone).

An alert kind is one entry here plus one query, `warehouse/alert_kinds/<name>.sql`, that finds its
alerts (tests/ecei/alerts/test_kinds.py holds the two lists equal). A note and a headline are plain
text: the digest escapes them into HTML, the terminal table shows them as they are. A note is read on
a day (the business day of the digest, the table or the feed): a date it names as ahead is ahead of
that day, never one already past.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from warehouse.alerts import Alert


@dataclass(frozen=True)
class AlertKind:
    name: str  # alert_log.kind, and the name of the kind's query file
    title: str  # the heading of the kind's section in a digest
    reads: Callable[[Alert, dt.date], str]  # how one alert reads on a day, beside its name and label date
    # what happened, naming the cluster: `Arena Legasea lapsed on 2021-01-27`
    headline: Callable[[Alert], str]
    about_a_cluster: bool = True  # False: the note is the whole alert (it names no cluster)

    def note(self, alert: Alert, today: dt.date) -> str:
        return self.reads(alert, today)


def days_left(alert: Alert, today: dt.date) -> int | None:
    """The days from `today`, the day the alert is read, to its label's date (negative once lapsed);
    the ledger's alert_log.days_left is the count on the day it was raised."""
    return (alert.label_date - today).days if alert.label_date is not None else alert.days_left


def _days(alert: Alert, today: dt.date) -> str:
    left = days_left(alert, today)
    if left is None:
        return ""
    if left >= 0:
        return f"{left} days left"
    return f"lapsed {-left} days ago"


def _expiring(alert: Alert, today: dt.date) -> str:
    return f"{_days(alert, today)} (within {alert.threshold_days} days)"


def renewal_window(closes: dt.date, today: dt.date) -> str:
    """The one wording of a lapsed label's renewal window, read on `today`: open through its last day."""
    if closes < today:
        return f"the renewal window closed on {closes.isoformat()}"
    return f"renewal window closes {closes.isoformat()}"


def _lapsed(alert: Alert, today: dt.date) -> str:
    closes = alert.renewal_closes_on
    return _days(alert, today) + (f", {renewal_window(closes, today)}" if closes else "")


def _renewed(alert: Alert, today: dt.date) -> str:
    before = alert.previous_label_date
    return f"was {before.isoformat()}" if before else "renewed"


def _renamed(alert: Alert, today: dt.date) -> str:
    return f"now listed as {alert.name or '?'} (was {alert.detail or '?'})"


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else "?"


KINDS: tuple[AlertKind, ...] = (
    AlertKind(
        "stale",
        "The watcher needs attention",
        lambda a, _: a.detail or "stale",
        lambda a: f"stale data: {a.detail or 'the watcher needs attention'}",
        about_a_cluster=False,
    ),
    AlertKind("expiring", "Labels expiring", _expiring, lambda a: f"{a.name or '?'} expires on {_day(a.label_date)}"),
    AlertKind("lapsed", "Labels lapsed", _lapsed, lambda a: f"{a.name or '?'} lapsed on {_day(a.label_date)}"),
    AlertKind("renewed", "Labels renewed", _renewed, lambda a: f"{a.name or '?'} renewed until {_day(a.label_date)}"),
    AlertKind(
        "delisted", "Clusters delisted", lambda a, _: "no longer listed", lambda a: f"{a.name or '?'} no longer listed"
    ),
    AlertKind("renamed", "Clusters renamed", _renamed, lambda a: f"{a.detail or '?'} now listed as {a.name or '?'}"),
)
_BY_NAME = {k.name: k for k in KINDS}


def names() -> list[str]:
    """The kinds' names, in declaration order: the order alerts are raised and shown in."""
    return [k.name for k in KINDS]


def kind_of(name: str) -> AlertKind:
    """The declared kind; a kind the ledger holds but no longer declares still reads (its detail)."""
    return _BY_NAME.get(name) or AlertKind(
        name, name.capitalize(), lambda a, _: a.detail or "", lambda a: f"{a.name or 'the watcher'}: {name}"
    )


def note(alert: Alert, today: dt.date) -> str:
    """How one alert reads on `today`, in plain text: the terminal table's note, a digest line's last
    fact, a feed entry's note."""
    return kind_of(alert.kind).note(alert, today)


def headline(alert: Alert) -> str:
    """What happened, naming the cluster, on one line: the title of a message that carries the alert alone."""
    text = kind_of(alert.kind).headline(alert)
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def by_kind(alerts: Iterable[Alert]) -> list[tuple[AlertKind, list[Alert]]]:
    """The alerts grouped by kind, the declared kinds first and in their order; empty kinds left out."""
    groups: dict[str, list[Alert]] = {k.name: [] for k in KINDS}
    for alert in alerts:
        groups.setdefault(alert.kind, []).append(alert)
    return [(kind_of(name), of_kind) for name, of_kind in groups.items() if of_kind]


def counts(alerts: Iterable[Alert]) -> dict[str, int]:
    """How many alerts of each kind, in declaration order; kinds without alerts left out."""
    return {kind.name: len(of_kind) for kind, of_kind in by_kind(alerts)}
