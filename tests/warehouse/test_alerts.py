"""The ledger's SQL on hand-made histories: what a run covers, and what it finds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.staged_runs import T0, merge, row
from warehouse.alerts import begin_alert_run, candidates, record_alerts, settle_alert_run, window
from warehouse.db import connect

TODAY = dt.date(2018, 7, 1)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def test_first_window_covers_a_year_of_lapses_and_the_latest_refresh(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    merge(con, tmp_path, [row("A")], T0)
    merge(con, tmp_path, [row("A")], T0 + dt.timedelta(days=1))
    w = window(con, TODAY, [30, 90, 30], stale_days=3)
    assert (w.first_run, w.thresholds, w.lapsed_from) == (True, [30, 90], dt.date(2017, 7, 1))
    assert (w.changes_after, w.through_run_id) == (1, 2)


def test_later_window_starts_where_the_previous_run_ended(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [row("A")], T0)
    w = window(con, TODAY, [90], stale_days=3)
    run_id = begin_alert_run(con, w, 0, T0)
    record_alerts(con, candidates(con, w), run_id, TODAY, T0)
    settle_alert_run(con, run_id, "ok", 0, 0, 0, None, T0)
    merge(con, tmp_path, [row("A", "2030-01-01")], T0 + dt.timedelta(days=1))
    later = window(con, dt.date(2018, 7, 8), [90], stale_days=3)
    assert (later.first_run, later.lapsed_from, later.changes_after, later.through_run_id) == (False, TODAY, 1, 2)
    assert [(a.kind, a.label_date) for a in candidates(con, later)] == [("renewed", dt.date(2030, 1, 1))]


def test_a_raised_alert_is_not_found_again(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [row("A", "2018-08-01"), row("B", "2018-06-01")], T0)
    w = window(con, TODAY, [90], stale_days=3)
    found = candidates(con, w)
    assert sorted((a.kind, a.name) for a in found) == [("expiring", "A"), ("lapsed", "B")]
    record_alerts(con, found, begin_alert_run(con, w, 0, T0), TODAY, T0)
    assert candidates(con, w) == []
    record_alerts(con, found, 1, TODAY, T0)  # the same keys again: skipped, not duplicated
    assert con.execute("select count(*) from alert_log").fetchone() == (2,)
