"""The ledger's SQL on hand-made histories: what a run covers, and what it finds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from ecei.alerts.kinds import names
from tests.warehouse.staged_runs import T0, merge, row
from warehouse.alerts import (
    Alert,
    begin_alert_run,
    candidates,
    record_alerts,
    settle_alert_run,
    sql_kinds,
    window,
    window_as_of,
)
from warehouse.db import connect, migrations, sql_file

TODAY = dt.date(2018, 7, 1)
KINDS = names()


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


def test_a_window_as_of_an_instant_covers_the_runs_started_by_then(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    for days in (0, 10, 20):
        merge(con, tmp_path, [row("A")], T0 + dt.timedelta(days=days))
    between = window_as_of(con, TODAY, [30], 3, T0 + dt.timedelta(days=15))
    assert (between.first_run, between.changes_after, between.through_run_id) == (True, 1, 2)
    assert (between.as_of, between.lapsed_from) == (T0 + dt.timedelta(days=15), dt.date(2017, 7, 1))
    at_start = window_as_of(con, TODAY, [30], 3, T0 + dt.timedelta(days=10))
    assert (at_start.changes_after, at_start.through_run_id) == (1, 2)  # a run started at the instant counts
    before = window_as_of(con, TODAY, [30], 3, T0 - dt.timedelta(seconds=1))
    assert (before.changes_after, before.through_run_id) == (0, 0)


def test_stale_as_of_an_instant_reads_only_the_runs_started_by_then(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    merge(con, tmp_path, [row("A", "2030-01-01")], T0)
    merge(con, tmp_path, [row("A", "2030-01-01")], T0 + dt.timedelta(days=1), complete=False)
    day_after = (T0 + dt.timedelta(days=1)).date()
    assert [a.kind for a in candidates(con, window(con, day_after, [30], 3), KINDS)] == ["stale"]  # partial now
    then = window_as_of(con, day_after, [30], 3, T0 + dt.timedelta(hours=1))
    assert candidates(con, then, KINDS) == []  # before the partial run: all was well


def test_later_window_starts_where_the_previous_run_ended(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [row("A")], T0)
    w = window(con, TODAY, [90], stale_days=3)
    run_id = begin_alert_run(con, w, 0, T0)
    record_alerts(con, candidates(con, w, KINDS), run_id, TODAY, T0)
    settle_alert_run(con, run_id, "ok", 0, 0, 0, None, T0)
    merge(con, tmp_path, [row("A", "2030-01-01")], T0 + dt.timedelta(days=1))
    later = window(con, dt.date(2018, 7, 8), [90], stale_days=3)
    assert (later.first_run, later.lapsed_from, later.changes_after, later.through_run_id) == (False, TODAY, 1, 2)
    assert [(a.kind, a.label_date) for a in candidates(con, later, KINDS)] == [("renewed", dt.date(2030, 1, 1))]


def test_lapses_start_from_the_latest_run_dated_no_later(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [row("A")], T0)
    for day in (TODAY, TODAY + dt.timedelta(days=30)):  # the second by a clock a month ahead
        settle_alert_run(con, begin_alert_run(con, window(con, day, [90], 3), 0, T0), "ok", 0, 0, 0, None, T0)
    right = window(con, TODAY + dt.timedelta(days=2), [90], stale_days=3)
    assert (right.first_run, right.lapsed_from, right.changes_after) == (False, TODAY, 1)
    before_all = window(con, TODAY - dt.timedelta(days=1), [90], stale_days=3)
    assert before_all.lapsed_from == dt.date(2017, 6, 30)  # no run dated earlier: a year back, as a first run


def test_a_raised_alert_is_not_found_again(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [row("A", "2018-08-01"), row("B", "2018-06-01")], T0)
    w = window(con, TODAY, [90], stale_days=3)
    found = candidates(con, w, KINDS)
    assert sorted((a.kind, a.name) for a in found) == [("expiring", "A"), ("lapsed", "B")]
    record_alerts(con, found, begin_alert_run(con, w, 0, T0), TODAY, T0)
    assert candidates(con, w, KINDS) == []
    record_alerts(con, found, 1, TODAY, T0)  # the same keys again: skipped, not duplicated
    assert con.execute("select count(*) from alert_log").fetchone() == (2,)


def test_alerts_are_recorded_in_their_order_and_a_key_given_twice_once(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    merge(con, tmp_path, [row(f"C{i:02d}", f"2018-08-{1 + i:02d}") for i in range(20)], T0)
    w = window(con, TODAY, [90], stale_days=3)
    found = candidates(con, w, KINDS)
    again = [replace(a) for a in found[:3]]  # the same keys as three of them, as other objects
    record_alerts(con, [*found, *again], begin_alert_run(con, w, 0, T0), TODAY, T0)
    assert [a.alert_id for a in found] == list(range(1, 21))  # each told its id, in the order given
    assert [a.alert_id for a in again] == [None] * 3
    logged = con.execute("select alert_id, alert_key from alert_log order by alert_id").fetchall()
    assert logged == [(a.alert_id, a.alert_key) for a in found]


RENAME_BEFORE, RENAME_AFTER = "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster"


def raise_all(con: duckdb.DuckDBPyConnection, today: dt.date) -> list[tuple[str, str | None, str | None]]:
    """One alerts run's candidates, recorded: (kind, name, detail) of each."""
    w = window(con, today, [30], stale_days=3)
    found = candidates(con, w, KINDS)
    record_alerts(con, found, begin_alert_run(con, w, 0, T0), today, T0)
    return [(a.kind, a.name, a.detail) for a in found]


def test_a_rename_that_moves_the_label_later_raises_renewed_and_renamed(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    merge(con, tmp_path, [row(RENAME_BEFORE, "2030-06-16"), row("B", "2030-01-01")], T0)
    raise_all(con, TODAY)
    merge(con, tmp_path, [row(RENAME_AFTER, "2031-06-16"), row("B", "2030-01-01")], T0 + dt.timedelta(days=1))
    assert con.execute("select change from changes where run_id = 2").fetchall() == [("renamed",)]
    later = window(con, TODAY, [30], stale_days=3)
    found = {a.kind: a for a in candidates(con, later, KINDS)}
    assert set(found) == {"renewed", "renamed"}  # still listed: no delisted
    renewed = found["renewed"]
    assert (renewed.name, renewed.previous_label_date, renewed.label_date) == (
        RENAME_AFTER,
        dt.date(2030, 6, 16),
        dt.date(2031, 6, 16),
    )
    assert (found["renamed"].name, found["renamed"].detail) == (RENAME_AFTER, RENAME_BEFORE)


def test_a_rename_is_raised_once(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [row(RENAME_BEFORE, "2030-06-16"), row("B", "2030-01-01")], T0)
    merge(con, tmp_path, [row(RENAME_AFTER, "2030-06-16"), row("B", "2030-01-01")], T0 + dt.timedelta(days=1))
    # the first alerts run covers the latest refresh: the rename, which kept its label date
    assert raise_all(con, TODAY) == [("renamed", RENAME_AFTER, RENAME_BEFORE)]
    (key,) = con.execute("select alert_key from alert_log").fetchone() or ("",)
    assert key.startswith("renamed:") and f":{RENAME_AFTER}@" in key  # the rename and the refresh that found it
    assert raise_all(con, TODAY + dt.timedelta(days=1)) == []


def test_alerts_come_in_the_order_of_the_kinds_given(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [row("A", "2018-07-20"), row("B", "2018-06-01"), row(RENAME_BEFORE, "2030-01-01")], T0)
    merge(con, tmp_path, [row("A", "2018-07-20"), row("B", "2018-06-01"), row(RENAME_AFTER, "2030-01-01")], T0)
    w = window(con, TODAY, [30], stale_days=3)
    assert [a.kind for a in candidates(con, w, KINDS)] == ["expiring", "lapsed", "renamed"]
    reverse = list(reversed(KINDS))
    assert [a.kind for a in candidates(con, w, reverse)] == ["renamed", "lapsed", "expiring"]
    assert [a.kind for a in candidates(con, w, ["lapsed"])] == ["lapsed"]


def test_a_kind_without_a_query_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match=r"no query .* for alert kinds vanished"):
        candidates(con, window(con, TODAY, [30], stale_days=3), ["expiring", "vanished"])


def test_every_kind_query_runs_on_an_empty_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    # a new warehouse: only the watcher has something to say
    assert [a.kind for a in candidates(con, window(con, TODAY, [30], stale_days=3), sql_kinds())] == ["stale"]
    # the frame leaves nothing behind on the connection
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchone() == (0,)


def test_migration_008_keeps_the_ledger_and_takes_any_declared_kind(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute("create table schema_migrations (version integer primary key, name varchar, applied_at timestamp)")
        for version, name in migrations():
            if version < 8:
                old.execute(sql_file(f"migrations/{name}"))
                old.execute("insert into schema_migrations values (?, ?, now())", [version, name])
        old.execute(
            "insert into alert_log (alert_key, kind, today, alert_run_id, created_at) "
            "values ('stale:watcher:0', 'stale', ?, 1, ?)",
            [TODAY, T0],
        )
        with pytest.raises(duckdb.ConstraintException):  # what 008 lifts
            old.execute(
                "insert into alert_log (alert_key, kind, today, alert_run_id, created_at) "
                "values ('renamed:x:y', 'renamed', ?, 1, ?)",
                [TODAY, T0],
            )
    con = connect(path)
    assert con.execute("select alert_id, alert_key from alert_log").fetchall() == [(1, "stale:watcher:0")]
    record_alerts(con, [Alert("renamed:x:y", "renamed", "x", *[None] * 10)], 2, TODAY, T0)
    # the sequence goes on (the refused insert above took a number of it too)
    rows = con.execute("select alert_id, kind from alert_log order by alert_id").fetchall()
    assert [kind for _, kind in rows] == ["stale", "renamed"] and rows[1][0] > 1
    con.close()
