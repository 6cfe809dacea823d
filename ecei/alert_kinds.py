"""The alert kinds, declared once: in the order digests and tables show them, each with its heading
and how one alert of it reads.

An alert kind is one entry here plus one query, `warehouse/alert_kinds/<name>.sql`, that finds its
alerts (tests/ecei/test_alert_kinds.py holds the two lists equal). A note is plain text: the digest
escapes it into HTML, the terminal table shows it as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from warehouse.alerts import Alert


@dataclass(frozen=True)
class AlertKind:
    name: str  # alert_log.kind, and the name of the kind's query file
    title: str  # the heading of the kind's section in a digest
    reads: Callable[[Alert], str]  # how one alert of the kind reads, beside its name and label date
    about_a_cluster: bool = True  # False: the note is the whole alert (it names no cluster)

    def note(self, alert: Alert) -> str:
        return self.reads(alert)


def _days(alert: Alert) -> str:
    if alert.days_left is None:
        return ""
    if alert.days_left >= 0:
        return f"{alert.days_left} days left"
    return f"lapsed {-alert.days_left} days ago"


def _expiring(alert: Alert) -> str:
    return f"{_days(alert)} (within {alert.threshold_days} days)"


def _lapsed(alert: Alert) -> str:
    closes = alert.renewal_closes_on
    return _days(alert) + (f", renewal window closes {closes.isoformat()}" if closes else "")


def _renewed(alert: Alert) -> str:
    before = alert.previous_label_date
    return f"was {before.isoformat()}" if before else "renewed"


def _renamed(alert: Alert) -> str:
    return f"now listed as {alert.name or '?'} (was {alert.detail or '?'})"


KINDS: tuple[AlertKind, ...] = (
    AlertKind("stale", "The watcher needs attention", lambda a: a.detail or "stale", about_a_cluster=False),
    AlertKind("expiring", "Labels expiring", _expiring),
    AlertKind("lapsed", "Labels lapsed", _lapsed),
    AlertKind("renewed", "Labels renewed", _renewed),
    AlertKind("delisted", "Clusters delisted", lambda a: "no longer listed"),
    AlertKind("renamed", "Clusters renamed", _renamed),
)
_BY_NAME = {k.name: k for k in KINDS}


def names() -> list[str]:
    """The kinds' names, in declaration order: the order alerts are raised and shown in."""
    return [k.name for k in KINDS]


def kind_of(name: str) -> AlertKind:
    """The declared kind; a kind the ledger holds but no longer declares still reads (its detail)."""
    return _BY_NAME.get(name) or AlertKind(name, name.capitalize(), lambda a: a.detail or "")


def note(alert: Alert) -> str:
    """How one alert reads, in plain text: the terminal table's note, a digest line's last fact."""
    return kind_of(alert.kind).note(alert)


def by_kind(alerts: Iterable[Alert]) -> list[tuple[AlertKind, list[Alert]]]:
    """The alerts grouped by kind, the declared kinds first and in their order; empty kinds left out."""
    groups: dict[str, list[Alert]] = {k.name: [] for k in KINDS}
    for alert in alerts:
        groups.setdefault(alert.kind, []).append(alert)
    return [(kind_of(name), of_kind) for name, of_kind in groups.items() if of_kind]


def counts(alerts: Iterable[Alert]) -> dict[str, int]:
    """How many alerts of each kind, in declaration order; kinds without alerts left out."""
    return {kind.name: len(of_kind) for kind, of_kind in by_kind(alerts)}
