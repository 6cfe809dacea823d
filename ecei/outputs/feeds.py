"""Atom feeds of the history, for people who follow a registry in a feed reader: every change, one
feed per country, and the alerts, written into a folder (after each complete refresh, and by
`ecei feed`).

An entry's id is a tag: URI of what it is about, never of when the feed was written: a change is
its cluster, the start of the run that saw it and its kind (a run's start survives a replay, which
renumbers runs), an alert is its ledger key. So a reader that has seen an entry never sees it again
as new, however often the feeds are rebuilt. An entry's updated time is the run's (or the alert's)
own time; a feed's is the end of the warehouse's latest run.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
import unicodedata
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from feedgen.feed import FeedEntry, FeedGenerator

from ecei import change_kinds
from ecei.alerts import kinds as alert_kinds
from ecei.history.changes import account_text
from ecei.moments import business_today, stamp
from ecei.outcome import Status
from ecei.outputs.files import Guard, check_folder, check_output, guard, write_output
from ecei.settings import Settings
from warehouse.alerts import Alert
from warehouse.db import open_when_free, sql_file

Row = dict[str, Any]

TAG = "tag:ecei-watch,2026:"  # the authority and day that make every entry id ours (RFC 4151)
CHANGES_FILE = "changes.atom"
ALERTS_FILE = "alerts.atom"
COUNTRY_PREFIX = "country-"  # one folder, so that relative links mean the same in every feed

# the fields a change entry shows before and after, in this order
FIELDS: tuple[str, ...] = ("name", "portfolio", "website", "valid_until")
_KIND = {k.name: k for k in change_kinds.KINDS}
_EPOCH = dt.datetime(1970, 1, 1)

# XML 1.0 cannot carry C0 controls (but tab and line breaks), lone surrogates or U+FFFE/U+FFFF: a name
# holding one would make the whole feed unreadable, so each is shown as its picture or its code point.
# DEL and the C1 controls it only discourages: readers take C1 for windows-1252 (0x9B as U+203A)
_NOT_XML: dict[int, str] = {
    **{c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)},
    0x7F: "\N{SYMBOL FOR DELETE}",
    **{c: f"\\x{c:02x}" for c in range(0x80, 0xA0)},
    **{c: f"\\u{c:04x}" for c in (*range(0xD800, 0xE000), 0xFFFE, 0xFFFF)},
}


@dataclass(frozen=True)
class WrittenFeed:
    path: Path
    title: str
    entries: int
    size: int  # bytes


@dataclass
class FeedsResult:
    status: Status
    folder: Path
    feeds: list[WrittenFeed] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def size(self) -> int:
        return sum(f.size for f in self.feeds)


def xml_text(value: Any) -> str:
    """A value as text an XML document can hold: what XML forbids is shown, not dropped."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return stamp(value) or ""
    return str(value).translate(_NOT_XML)


def slug(name: str) -> str:
    """A file name's stem from a country's name: `Czech Republic` -> `czech-republic`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def country_files(countries: list[tuple[str, str]]) -> dict[str, str]:
    """country_id -> file name, `country-<slug>.atom`: the slug of its name, with its id added when
    the slug is empty or another country's; the order of the list (by name, then id) keeps the
    choice the same each time."""
    files: dict[str, str] = {}
    taken: set[str] = set()
    for country_id, name in countries:
        stem = slug(name)
        if not stem or stem in taken:
            stem = f"{stem}-{slug(country_id)}".strip("-")
        taken.add(stem)
        files[country_id] = f"{COUNTRY_PREFIX}{stem}.atom"
    return files


def change_id(row: Row) -> str:
    """The entry id of one change: its cluster, the start of the run that saw it, its kind."""
    return f"{TAG}change/{quote(row['cluster_id'], safe='')}/{stamp(row['changed_at'])}/{row['change']}"


def alert_id(alert: Alert) -> str:
    return f"{TAG}alert/{quote(alert.alert_key, safe='')}"


def _utc(value: dt.datetime) -> dt.datetime:
    # to the second, as ecei.moments.stamp writes every timestamp
    return value.replace(microsecond=0, tzinfo=dt.UTC)


def _value(value: Any) -> str:
    return "none" if value is None else xml_text(value)


def change_title(row: Row) -> str:
    """`Norway: Artic Maritime Cluster changed (valid_until)`, `Spain: New Name renamed (name)`: the
    kind and the fields as what_happened.sql decided them."""
    fields = f" ({', '.join(row['changed_fields'])})" if row["changed_fields"] else ""
    return xml_text(f"{row['country']}: {row['name']} {_KIND[row['change']].label}{fields}")


def change_content(row: Row) -> str:
    """The change in words (its account, warehouse/semantics/what_happened.sql), then a small HTML
    table: each field before and after (none on the side a cluster was not listed), the changed ones marked."""
    changed = set(row["changed_fields"])
    lines = [
        f"<p>{html.escape(_KIND[row['change']].heading)} in run {row['run_id']} "
        f"({html.escape(stamp(row['changed_at']) or '')}), cluster {html.escape(xml_text(row['cluster_id']))}</p>",
        f"<p>{html.escape(account_text(row['account'], _value))}</p>",
        "<table><tr><th>field</th><th>before</th><th>after</th></tr>",
    ]
    for name in FIELDS:
        mark = " (changed)" if name in changed else ""
        before, after = _value(row[f"old_{name}"]), _value(row[f"new_{name}"])
        lines.append(f"<tr><td>{name}{mark}</td><td>{html.escape(before)}</td><td>{html.escape(after)}</td></tr>")
    lines.append("</table>")
    return "\n".join(lines)


def alert_title(alert: Alert) -> str:
    kind = alert_kinds.kind_of(alert.kind)
    about = f"{alert.country}: {alert.name}" if kind.about_a_cluster else "ecei-watch"
    return xml_text(f"{kind.title}: {about}")


def alert_content(alert: Alert) -> str:
    """An alert's facts as read on the day the feed is written (feeds/alerts.sql: a renewal window
    past is said to have closed)."""
    kind = alert_kinds.kind_of(alert.kind)
    facts: list[tuple[str, object]] = [("note", kind.note(alert))]
    if kind.about_a_cluster:
        facts += [
            ("cluster", alert.cluster_id),
            ("portfolio", alert.portfolio),
            ("website", alert.website),
            ("label date", alert.label_date),
        ]
    # when it was raised, not whether it was delivered yet: an entry says what happened, once
    facts.append(("raised", alert.created_at))
    rows = "".join(f"<tr><th>{k}</th><td>{html.escape(_value(v))}</td></tr>" for k, v in facts)
    return f"<table>{rows}</table>"


@dataclass(frozen=True)
class FeedLinks:
    """Where the feeds and the report are published: the report's URL (relative to the feed's own
    when not absolute), and the URL of the feeds' folder ('' : the feeds link to themselves by name)."""

    report_url: str = "report.html"
    feeds_url: str = ""

    def feed(self, name: str) -> str:
        base = self.feeds_url
        return f"{base}{'' if not base or base.endswith('/') else '/'}{name}"


def _feed(
    feed_id: str, title: str, subtitle: str, self_url: str, report_url: str, updated: dt.datetime
) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(f"{TAG}feed/{feed_id}")
    fg.title(xml_text(title))
    fg.subtitle(xml_text(subtitle))
    fg.author({"name": "ecei-watch"})
    fg.generator("ecei-watch")
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=report_url, rel="alternate", type="text/html")
    fg.updated(_utc(updated))
    return fg


def _change_entry(fg: FeedGenerator, row: Row, links: FeedLinks) -> FeedEntry:
    fe = fg.add_entry(order="append")
    fe.id(change_id(row))
    fe.title(change_title(row))
    fe.updated(_utc(row["changed_at"]))
    fe.published(_utc(row["changed_at"]))
    fe.link(href=f"{links.report_url}#changes", rel="alternate", type="text/html")
    fe.category(term=row["change"], label=_KIND[row["change"]].heading)
    fe.content(change_content(row), type="html")
    return fe


def _alert_entry(fg: FeedGenerator, alert: Alert, links: FeedLinks) -> FeedEntry:
    fe = fg.add_entry(order="append")
    at = alert.created_at or _EPOCH
    fe.id(alert_id(alert))
    fe.title(alert_title(alert))
    fe.updated(_utc(at))
    fe.published(_utc(at))
    fe.link(href=links.report_url, rel="alternate", type="text/html")
    fe.category(term=alert.kind, label=alert_kinds.kind_of(alert.kind).title)
    fe.content(alert_content(alert), type="html")
    return fe


def _rows(con: Any, name: str, params: dict[str, Any] | None = None) -> list[Row]:
    cur = con.execute(sql_file(f"feeds/{name}.sql"), params or {})
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]


def write_atomically(path: Path, body: bytes, guarded: Guard | None = None) -> None:
    """The file whole or not at all (ecei.outputs.files): a reader polling the folder never reads half a
    feed, and a feed never replaces the warehouse or a file beside it."""
    write_output(path, body, guarded or Guard(), "feed", make_folder=True)


def write_feeds(
    settings: Settings,
    folder: Path,
    links: FeedLinks | None = None,
    most: int | None = None,
    today: dt.date | None = None,
) -> FeedsResult:
    """Write every feed into `folder` from the warehouse opened read-only: changes.atom,
    alerts.atom and country-<slug>.atom, each with the latest `most` entries; the alerts read on
    `today` (default: today in ECEI_TIMEZONE)."""
    began = time.monotonic()
    links = links or FeedLinks(settings.feeds_report_url, settings.feeds_url)
    most = most if most is not None else settings.feeds_limit
    today = today or business_today(settings.timezone)  # the day the alerts are read on
    with closing(open_when_free(settings.db, settings.busy_timeout, read_only=True)) as con:
        last = _rows(con, "last_run")[0]["last_at"] or _EPOCH
        every = _rows(con, "changes", {"country_ids": None, "most": most})
        countries = [(r["country_id"], r["country"]) for r in _rows(con, "countries")]
        per_country = {cid: _rows(con, "changes", {"country_ids": [cid], "most": most}) for cid, _ in countries}
        alerts = [Alert(**r) for r in _rows(con, "alerts", {"most": most, "today": today})]

    built: list[tuple[str, str, FeedGenerator, int]] = []
    fg = _feed("changes", "ECEI clusters: every change", _about(most), links.feed(CHANGES_FILE), links.report_url, last)
    for row in every:
        _change_entry(fg, row, links)
    built.append((CHANGES_FILE, "every change", fg, len(every)))

    for (country_id, country), name in zip(countries, country_files(countries).values(), strict=True):
        rows = per_country[country_id]
        fg = _feed(
            f"country/{quote(country_id, safe='')}",
            f"ECEI clusters in {country}: every change",
            _about(most),
            links.feed(name),
            links.report_url,
            last,
        )
        for row in rows:
            _change_entry(fg, row, links)
        built.append((name, f"changes in {country}", fg, len(rows)))

    newest_alert = max((a.created_at for a in alerts if a.created_at is not None), default=last)
    fg = _feed(
        "alerts",
        "ECEI clusters: alerts",
        f"The latest {most} alerts raised about the labels and the watcher.",
        links.feed(ALERTS_FILE),
        links.report_url,
        max(last, newest_alert),
    )
    for alert in alerts:
        _alert_entry(fg, alert, links)
    built.append((ALERTS_FILE, "alerts", fg, len(alerts)))

    written = []
    guarded = guard(settings.db)
    check_folder(folder, guarded, "feed")
    for name, _, _, _ in built:  # every file checked before the first is written
        check_output(folder / name, guarded, "feed")
    for name, title, feed, entries in built:
        body = feed.atom_str(pretty=True)
        path = folder / name
        write_atomically(path, body, guarded)
        written.append(WrittenFeed(path, xml_text(title), entries, len(body)))
    return FeedsResult(Status.OK, folder, written, time.monotonic() - began)


def _about(most: int) -> str:
    return f"The latest {most} clusters added, changed, removed or renamed, with each field before and after."
