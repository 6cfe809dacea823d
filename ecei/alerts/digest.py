"""The digest's wording: how alerts read in a message (its title, a section per alert kind, a line
per alert) and the fields a JSON webhook gets beside them. Sending is ecei.alerts.channels'."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ecei.alerts import kinds as alert_kinds
from ecei.alerts.channels import channel_name
from ecei.moments import stamp
from warehouse.alerts import Alert


@dataclass
class Digest:
    """One message: its title, its HTML body, and the fields a JSON webhook gets beside them."""

    title: str
    body_html: str
    fields: dict[str, Any] = field(default_factory=dict)


def _line(alert: Alert) -> str:
    e = html.escape
    kind = alert_kinds.kind_of(alert.kind)
    if not kind.about_a_cluster:
        return f"<li>{e(kind.note(alert))}</li>"
    label = alert.label_date.isoformat() if alert.label_date else "?"
    facts = [e(alert.country or "?"), e(alert.portfolio or "?"), f"label valid until {label}"]
    note = kind.note(alert)
    if note:
        facts.append(e(note))
    website = f' &middot; <a href="{e(alert.website, quote=True)}">{e(alert.website)}</a>' if alert.website else ""
    return f"<li><b>{e(alert.name or '?')}</b> &middot; {' &middot; '.join(facts)}{website}</li>"


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def alert_fields(alert: Alert) -> dict[str, Any]:
    """One alert as the JSON members a program reads (dates YYYY-MM-DD, times as ecei.moments.stamp
    writes them); `days_left`, `renewal_window` and `note` as on the day it was read, the digest's."""
    return {
        "alert_id": alert.alert_id,
        "alert_key": alert.alert_key,
        "kind": alert.kind,
        "cluster_id": alert.cluster_id,
        "name": alert.name,
        "country": alert.country,
        "portfolio": alert.portfolio,
        "website": alert.website,
        "label_date": _day(alert.label_date),
        "previous_label_date": _day(alert.previous_label_date),
        "days_left": alert.days_left,
        "threshold_days": alert.threshold_days,
        "renewal_closes_on": _day(alert.renewal_closes_on),
        "renewal_window": alert.renewal_window,
        "detail": alert.detail,
        "note": alert_kinds.note(alert),
        "created_at": stamp(alert.created_at),
    }


def render_digest(alerts: Sequence[Alert], today: dt.date, part: int = 1, parts: int = 1) -> Digest:
    """One message for a run and channel (or its `part` of `parts`, when the run's digest is split),
    a section per alert kind (ecei/alerts/kinds.py); every text from the warehouse is HTML-escaped.
    A message of one alert (an `each` subscriber's, or a digest that holds one) is titled by what
    happened to which cluster, so that it reads in a list of messages; the others by their count.
    Its fields: today, and every alert's fields.

    Each alert must have been read on `today` (the query that loaded it counted its days left to that
    day): a digest never says of one day what was counted for another."""
    stray = sorted({str(a.read_on) for a in alerts if a.read_on != today})
    if stray:
        raise ValueError(f"a digest of {today.isoformat()} given alerts read on {', '.join(stray)}")
    count = len(alerts)
    if count == 1 and parts == 1:
        title = f"ecei-watch: {alert_kinds.headline(alerts[0])}"
    else:
        title = f"ecei-watch: {count} label alert{'s' if count != 1 else ''} ({today.isoformat()})"
    if parts > 1:
        title += f", part {part} of {parts}"
    sections = []
    for kind, of_kind in alert_kinds.by_kind(alerts):
        items = "\n".join(_line(a) for a in of_kind)
        sections.append(f"<h3>{html.escape(kind.title)} ({len(of_kind)})</h3>\n<ul>\n{items}\n</ul>")
    fields: dict[str, object] = {
        "test": False,
        "today": today.isoformat(),
        "alerts": [alert_fields(a) for a in alerts],
    }
    if parts > 1:
        fields |= {"part": part, "parts": parts}
    return Digest(title, "\n".join(sections), fields)


def trial_message(url: str) -> Digest:
    """The short message `ecei alerts --test` sends: it names the channel, carries no alert."""
    body = (
        f"<p>A test message from ecei-watch: the label alerts reach this channel "
        f"({html.escape(channel_name(url))}). Nothing else happened.</p>"
    )
    return Digest("ecei-watch: test message", body, {"test": True, "today": None, "alerts": []})
