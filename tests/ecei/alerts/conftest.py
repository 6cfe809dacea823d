"""Alerts read on a day, as every surface reads them: recorded into a real warehouse and read back by
the ledger's query (semantics/alerts_on.sql), never counted in the test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path

import pytest

from warehouse.alerts import Alert, alerts_by_id, record_alerts
from warehouse.db import connect

Reader = Callable[[Sequence[Alert], dt.date], list[Alert]]


def read_on(db: Path, alerts: Sequence[Alert], day: dt.date) -> list[Alert]:
    """`alerts` as the ledger of `db` reads them on `day`, in the order given (each recorded once)."""
    with closing(connect(db)) as con:
        keys = [a.alert_key for a in alerts]
        sql = "select alert_key, alert_id from alert_log where alert_key in (select unnest(?))"
        held = dict(con.execute(sql, [keys]).fetchall())
        fresh = [a for a in alerts if a.alert_key not in held]
        record_alerts(con, fresh, 1, day, dt.datetime.combine(day, dt.time()))
        held |= {a.alert_key: a.alert_id for a in fresh}
        found = alerts_by_id(con, list(held.values()), day)
    return [found[held[key]] for key in keys]


def note_words(kind: str, days_left: int | None, window: str | None, closes: str | None) -> list[str]:
    """What a note must say of its label, given what the macros say of it on the day it is read
    (label_days_left, renewal_window): the note's wording, the macros' counts."""
    said = []
    if kind in ("expiring", "lapsed") and days_left is not None:  # the other kinds say what changed
        said.append(f"{days_left} days left" if days_left >= 0 else f"lapsed {-days_left} days ago")
    if kind == "lapsed":
        said.append(
            f"the renewal window closed on {closes}" if window == "closed" else f"renewal window closes {closes}"
        )
    return said


@pytest.fixture
def read(tmp_path: Path) -> Reader:
    """Read alerts on a day through a warehouse of the test's own."""
    return lambda alerts, day: read_on(tmp_path / "reading.duckdb", alerts, day)
