"""Every surface that shows an alert says what `label_days_left` and `renewal_window` say in `ecei sql`
on the day it is read: the `ecei alerts --dry-run` table, the digest and the JSON webhook's fields, and
the alert feed. The alerts are raised on one day and read on later ones (the demo warehouse), so a
count made on the day an alert was raised, or a twin of the macros in Python, would show."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from ecei.outputs.feeds import ALERTS_FILE, write_feeds
from ecei.settings import Settings
from tests.cli.helpers import ecei
from tests.ecei.alerts.conftest import note_words
from tests.receivers import Webhook

RAISED = "2021-10-01"  # after the demo's last refresh: 18 alerts, lapsed labels among them
READ = ["2021-10-20", "2022-06-01"]  # the second: some renewal windows closed, some still open
ATOM = "{http://www.w3.org/2005/Atom}"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("ECEI_NOTIFY", "ECEI_SUBSCRIPTIONS")}


def _macros(db: Path, day: str) -> dict[int, dict[str, Any]]:
    """Each alert of the ledger as the macros read its label on `day`, by `ecei sql`."""
    query = (
        f"select alert_id, kind, name, label_date::varchar as label_date, renewal_closes_on::varchar as closes, "
        f"label_days_left(label_date, date '{day}') as days_left, renewal_window(label_date, date '{day}') as window "
        "from alert_log order by alert_id"
    )
    done = ecei("sql", "--db", str(db), "--format", "json", query, env=_env())
    assert done.returncode == 0, done.stderr
    return {r["alert_id"]: r for r in json.loads(done.stdout)}


def _table(db: Path, day: str) -> list[tuple[str, str, str, str, str]]:
    """The pending alerts of the `ecei alerts --dry-run` table: kind, name, label date, days left, note."""
    done = ecei("alerts", "--db", str(db), "--today", day, "--dry-run", "--wide", env=_env(), wide=True)
    assert done.returncode == 0, done.stderr
    rows = []
    for line in done.stdout.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 9 and cells[-1] == "pending":
            rows.append((cells[0], cells[1], cells[4], cells[5], cells[6]))
    return rows


def _feed_notes(db: Path, folder: Path, day: str) -> dict[str, str]:
    """The alert feed written on `day`: each entry's note, by the alert's key."""
    write_feeds(Settings(db=db), folder, today=dt.date.fromisoformat(day))
    notes = {}
    for entry in ET.parse(folder / ALERTS_FILE).getroot().iter(f"{ATOM}entry"):
        content = entry.findtext(f"{ATOM}content") or ""
        found = re.search(r"<th>note</th><td>(.*?)</td>", content)
        assert found is not None, content
        notes[entry.findtext(f"{ATOM}id") or ""] = html.unescape(found.group(1))
    return notes


@pytest.mark.parametrize("day", READ)
def test_every_alert_surface_says_what_the_macros_say_on_the_day_it_is_read(
    dated_db: Path, tmp_path: Path, webhook: Webhook, day: str
) -> None:
    db = tmp_path / "ecei.duckdb"
    shutil.copy(dated_db, db)
    raised = ecei("alerts", "--db", str(db), "--today", RAISED, env=_env())  # no channel: they wait
    assert raised.returncode == 0, raised.stderr
    expected = _macros(db, day)
    assert {e["kind"] for e in expected.values()} >= {"lapsed", "renewed", "delisted", "stale"}
    by_label = {(e["kind"], e["name"] or "", e["label_date"] or ""): e for e in expected.values()}

    table = _table(db, day)
    assert len(table) == len(expected)
    notes: dict[tuple[str, str, str], str] = {}
    for kind, name, label, left, note in table:
        e = by_label[(kind, name, label)]
        assert left == ("" if e["days_left"] is None else str(e["days_left"]))
        assert all(w in note for w in note_words(e["kind"], e["days_left"], e["window"], e["closes"])), (note, e)
        notes[(kind, name, label)] = note

    feed = _feed_notes(db, tmp_path / "feeds", day)
    assert len(feed) == len(expected)
    assert sorted(feed.values()) == sorted(notes.values())  # the feed's notes are the table's

    sent = ecei("alerts", "--db", str(db), "--today", day, "--notify", webhook.url(), env=_env())
    assert sent.returncode == 0, sent.stderr
    (post,) = webhook.posts
    assert post["today"] == day and len(post["alerts"]) == len(expected)
    for fields in post["alerts"]:
        e = expected[fields["alert_id"]]
        assert (fields["days_left"], fields["renewal_window"]) == (e["days_left"], e["window"])
        assert fields["note"] == notes[(e["kind"], e["name"] or "", e["label_date"] or "")]
        assert html.escape(fields["note"]) in post["message"]  # the digest's line says it too
