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


@pytest.fixture
def read(tmp_path: Path) -> Reader:
    """Read alerts on a day through a warehouse of the test's own."""
    return lambda alerts, day: read_on(tmp_path / "reading.duckdb", alerts, day)
