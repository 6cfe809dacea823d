"""The alert kinds, declared once: in the order digests and tables show them, each with its heading,
how one alert of it reads, and its headline (the title of a message that carries it alone).

An alert kind is one entry here plus one query, `warehouse/alert_kinds/<name>.sql`, that finds its
alerts (tests/ecei/alerts/test_kinds.py holds the two lists equal). A note and a headline are plain
text: the digest escapes them into HTML, the terminal table shows them as they are. A note is read on
a day (the business day of the digest, the table or the feed): the query that reads the alert counts
its days left and judges its renewal window on that day (warehouse/semantics/alerts_on.sql, by the
label's macros); a note only puts them in words, so a date it names as ahead is never one already past.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from warehouse.alerts import Alert

if TYPE_CHECKING:
    from datetime import date


@dataclass(frozen=True)
class AlertKind:
    name: str  # alert_log.kind, and the name of the kind's query file
    title: str  # the heading of the kind's section in a digest
    reads: Callable[[Alert], str]  # how one alert reads on the day it was read, beside its name and label date
    # what happened, naming the cluster: `Arena Legasea lapsed on 2021-01-27`
    headline: Callable[[Alert], str]
    about_a_cluster: bool = True  # False: the note is the whole alert (it names no cluster)

    def note(self, alert: Alert) -> str:
        return self.reads(alert)


def _days(alert: Alert) -> str:
    left = alert.days_left  # counted to the day the alert was read (alert.read_on)
    if left is None:
        return ""
    if left >= 0:
        return f"{left} days left"
    return f"lapsed {-left} days ago"


def _expiring(alert: Alert) -> str:
    return f"{_days(alert)} (within {alert.threshold_days} days)"


def _window(alert: Alert) -> str:
    """A lapsed label's renewal window in words, as the reading query judged it (renewal_window)."""
    closes = _day(alert.renewal_closes_on)
    if alert.renewal_window == "closed":
        return f", the renewal window closed on {closes}"
    if alert.renewal_window == "open":
        return f", renewal window closes {closes}"
    return ""  # the label was still valid on the day it was read


def _lapsed(alert: Alert) -> str:
    return _days(alert) + (_window(alert) if alert.renewal_closes_on else "")


def _renewed(alert: Alert) -> str:
    before = alert.previous_label_date
    return f"was {before.isoformat()}" if before else "renewed"


def _renamed(alert: Alert) -> str:
    return f"now listed as {alert.name or '?'} (was {alert.detail or '?'})"


def _day(value: date | None) -> str:
    return value.isoformat() if value else "?"


KINDS: tuple[AlertKind, ...] = (
    AlertKind(
        "stale",
        "The watcher needs attention",
        lambda a: a.detail or "stale",
        lambda a: f"stale data: {a.detail or 'the watcher needs attention'}",
        about_a_cluster=False,
    ),
    AlertKind("expiring", "Labels expiring", _expiring, lambda a: f"{a.name or '?'} expires on {_day(a.label_date)}"),
    AlertKind("lapsed", "Labels lapsed", _lapsed, lambda a: f"{a.name or '?'} lapsed on {_day(a.label_date)}"),
    AlertKind("renewed", "Labels renewed", _renewed, lambda a: f"{a.name or '?'} renewed until {_day(a.label_date)}"),
    AlertKind(
        "delisted", "Clusters delisted", lambda a: "no longer listed", lambda a: f"{a.name or '?'} no longer listed"
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
        name, name.capitalize(), lambda a: a.detail or "", lambda a: f"{a.name or 'the watcher'}: {name}"
    )


def note(alert: Alert) -> str:
    """How one alert reads on the day it was read (alert.read_on), in plain text: the terminal
    table's note, a digest line's last fact, a feed entry's note."""
    return kind_of(alert.kind).note(alert)


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
