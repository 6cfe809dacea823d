"""An alert's days left and renewal window come from the label's macros and nowhere else: with the
macros' edges moved (a temp copy of warehouse/semantics/label_status.sql applied to a copy of the demo
warehouse), every reading of an alert (a candidate of a run, the ledger's, the feed's) and every text
made of it (the note, the digest, the JSON fields, the feed entry) moves with them. A twin of the
macros in Python would keep the old edges and fail here."""

from __future__ import annotations

import datetime as dt
import shutil
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from ecei.alerts import kinds as alert_kinds
from ecei.alerts.digest import render_digest
from ecei.outputs.feeds import alert_content
from tests.ecei.alerts.conftest import note_words
from warehouse import alerts as ledger
from warehouse.alerts import Alert
from warehouse.db import DEFINITION_FOLDERS, apply_definitions, connect, sql_file

WAREHOUSE = Path(ledger.__file__).parent
# a label of the demo that lapsed on 2021-01-27: its renewal window closes on 2022-01-27, its last day
LABEL, CLOSES = dt.date(2021, 1, 27), dt.date(2022, 1, 27)
EDGES = {
    # its last valid day counted as a day left, and the window's last day as closed
    "datediff('day', on_day::date, valid_until::date)": "datediff('day', on_day::date, valid_until::date) + 1",
    "when on_day::date <= renewal_closes_on(valid_until) then 'open'": (
        "when on_day::date < renewal_closes_on(valid_until) then 'open'"
    ),
}


def _moved(tmp_path: Path) -> Path:
    """The definition files, label_status.sql's edges moved."""
    root = tmp_path / "definitions"
    for folder in DEFINITION_FOLDERS:
        shutil.copytree(WAREHOUSE / folder, root / folder)
    path = root / "semantics" / "label_status.sql"
    text = path.read_text(encoding="utf-8")
    for old, new in EDGES.items():
        assert old in text, f"label_status.sql no longer reads {old!r}: update EDGES"
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return root


def _says_what_the_macros_say(con: duckdb.DuckDBPyConnection, alert: Alert, day: dt.date) -> None:
    row = con.execute("select label_days_left($1, $2), renewal_window($1, $2)", [alert.label_date, day]).fetchone()
    assert row is not None
    left, window = row
    assert (alert.read_on, alert.days_left, alert.renewal_window) == (day, left, window)
    words = note_words(alert.kind, left, window, CLOSES.isoformat())
    note = alert_kinds.note(alert)
    assert all(w in note for w in words), (note, words)
    digest = render_digest([alert], day)
    assert digest.fields["alerts"][0]["note"] == note and digest.fields["alerts"][0]["days_left"] == left
    assert all(w in digest.body_html for w in words)
    assert all(w in alert_content(alert) for w in words)


@pytest.mark.parametrize("moved", [False, True])
def test_the_notes_move_with_the_macros(dated_db: Path, tmp_path: Path, moved: bool) -> None:
    db = tmp_path / "ecei.duckdb"
    shutil.copy(dated_db, db)
    with closing(connect(db)):  # migrated, the shipped definitions applied
        pass
    with closing(duckdb.connect(str(db))) as con:
        if moved:
            assert apply_definitions(con, _moved(tmp_path)) == ["semantics/label_status.sql"]
        window = con.execute("select renewal_window($1::date, $2::date)", [LABEL, CLOSES]).fetchone()
        assert window == (("closed",) if moved else ("open",))  # the window's last day, by the macro in force

        w = ledger.current_window(con, CLOSES, [90, 30, 7], 3)
        (candidate,) = [a for a in ledger.candidates(con, w, ["lapsed"], everything=True) if a.label_date == LABEL]
        _says_what_the_macros_say(con, candidate, CLOSES)

        ledger.record_alerts(con, [candidate], 1, CLOSES - dt.timedelta(days=200), dt.datetime(2021, 7, 11))
        assert candidate.alert_id is not None
        (held,) = ledger.alerts_by_id(con, [candidate.alert_id], CLOSES).values()
        _says_what_the_macros_say(con, held, CLOSES)

        cur = con.execute(sql_file("feeds/alerts.sql"), {"most": 50, "today": CLOSES})
        names = [d[0] for d in cur.description]
        (fed,) = [
            a for a in (Alert(**dict(zip(names, r, strict=True))) for r in cur.fetchall()) if a.label_date == LABEL
        ]
        _says_what_the_macros_say(con, fed, CLOSES)
