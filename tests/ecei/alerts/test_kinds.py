"""The alert kinds: one declaration per kind, one query per kind, and how each alert reads."""

from __future__ import annotations

import datetime as dt

from ecei.alerts import kinds as alert_kinds
from tests.ecei.alerts.conftest import Reader
from warehouse.alerts import Alert, sql_kinds

TODAY = dt.date(2018, 7, 25)  # the day the alerts are read on


def alert(kind: str, **kw: object) -> Alert:
    values: dict[str, object] = {
        "alert_key": f"{kind}:x",
        "kind": kind,
        "cluster_id": "abc",
        "country": "Norway",
        "name": "Seafood Innovation Cluster",
        "portfolio": "Food industry",
        "website": None,
        "label_date": dt.date(2018, 7, 13),
        "previous_label_date": None,
        "threshold_days": None,
        "days_left": 12,
        "renewal_closes_on": None,
        "detail": None,
        "read_on": TODAY,
    }
    values.update(kw)
    return Alert(**values)  # type: ignore[arg-type]


def test_every_declared_kind_has_a_query_and_every_query_a_declaration() -> None:
    names = alert_kinds.names()
    assert len(names) == len(set(names))
    assert sorted(names) == sql_kinds()


def note(a: Alert) -> str:
    return alert_kinds.note(a)


def test_how_each_kind_reads(read: Reader) -> None:
    expiring = alert("expiring", threshold_days=30, label_date=dt.date(2018, 8, 6))
    assert note(*read([expiring], TODAY)) == "12 days left (within 30 days)"
    # counted to the day it is read, not to the day it was raised (the fixture's days_left)
    assert note(*read([expiring], TODAY + dt.timedelta(days=5))) == "7 days left (within 30 days)"
    lapsed = alert("lapsed", label_date=dt.date(2017, 11, 14), days_left=-1, renewal_closes_on=dt.date(2018, 11, 14))
    assert note(*read([lapsed], TODAY)) == "lapsed 253 days ago, renewal window closes 2018-11-14"
    assert note(alert("renewed", previous_label_date=dt.date(2015, 7, 13))) == "was 2015-07-13"
    assert note(alert("delisted")) == "no longer listed"
    renamed = alert("renamed", detail="NCE Seafood Innovation Cluster")
    assert note(renamed) == "now listed as Seafood Innovation Cluster (was NCE Seafood Innovation Cluster)"
    stale = alert("stale", cluster_id=None, name=None, detail="no refresh has run yet")
    assert note(stale) == "no refresh has run yet"
    assert not alert_kinds.kind_of("stale").about_a_cluster


def test_each_kind_has_a_headline_naming_the_cluster_and_what_happened() -> None:
    headline = alert_kinds.headline
    assert headline(alert("expiring")) == "Seafood Innovation Cluster expires on 2018-07-13"
    assert headline(alert("lapsed")) == "Seafood Innovation Cluster lapsed on 2018-07-13"
    assert headline(alert("renewed")) == "Seafood Innovation Cluster renewed until 2018-07-13"
    assert headline(alert("delisted")) == "Seafood Innovation Cluster no longer listed"
    renamed = alert("renamed", detail="NCE Seafood Innovation Cluster")
    assert headline(renamed) == "NCE Seafood Innovation Cluster now listed as Seafood Innovation Cluster"
    stale = alert("stale", cluster_id=None, name=None, detail="no refresh has run yet")
    assert headline(stale) == "stale data: no refresh has run yet"


def test_a_kind_no_longer_declared_still_reads() -> None:
    old = alert("vanished", detail="as the ledger kept it")
    assert note(old) == "as the ledger kept it"
    assert alert_kinds.headline(old) == "Seafood Innovation Cluster: vanished"
    assert alert_kinds.kind_of("vanished").title == "Vanished"


def test_grouped_and_counted_in_declaration_order() -> None:
    alerts = [alert("renamed", detail="A"), alert("vanished"), alert("expiring", threshold_days=7), alert("renamed")]
    groups = alert_kinds.by_kind(alerts)
    assert [(kind.name, len(of_kind)) for kind, of_kind in groups] == [("expiring", 1), ("renamed", 2), ("vanished", 1)]
    assert list(alert_kinds.counts(alerts).items()) == [("expiring", 1), ("renamed", 2), ("vanished", 1)]
