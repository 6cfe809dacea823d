"""The watcher's health on hand-made run ledgers: one rule, the same answer for `ecei status` and the
`stale` alert kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.staged_runs import T0, merge, row
from warehouse.alerts import candidates, window
from warehouse.db import connect
from warehouse.runs import RunFigures, begin_run, settle_run
from warehouse.watcher import watcher_state


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def stale_alerts(con: duckdb.DuckDBPyConnection, today: dt.date, stale_days: int = 3) -> list[str | None]:
    """The details of the `stale` alerts an alerts run of `today` would raise."""
    return [a.detail for a in candidates(con, window(con, today, [30], stale_days), ["stale"])]


def failed_run(con: duckdb.DuckDBPyConnection, at: dt.datetime, message: str) -> int:
    run_id = begin_run(con, "http://x/", at, 1)
    settle_run(con, run_id, "failed", RunFigures(), message, finished_at=at + dt.timedelta(seconds=5))
    return run_id


@pytest.mark.parametrize(
    ("today", "stale", "detail"),
    [
        (T0.date(), False, None),
        (T0.date() + dt.timedelta(days=2), False, None),
        (
            T0.date() + dt.timedelta(days=3),
            True,
            "no complete refresh for 3 days (the last, run 1, started 2024-01-01T05:00:00Z)",
        ),
    ],
)
def test_stale_after_stale_days_without_a_complete_refresh(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, today: dt.date, stale: bool, detail: str | None
) -> None:
    merge(con, tmp_path, [row("A")], T0)
    state = watcher_state(con, today, 3)
    assert (state.is_stale, state.stale_detail) == (stale, detail)
    assert (state.last_run_id, state.last_status, state.last_ok_run_id, state.last_ok_at) == (1, "ok", 1, T0)
    assert state.days_since_ok == (today - T0.date()).days
    assert stale_alerts(con, today) == ([detail] if stale else [])  # the alert kind reads the same rule


def test_a_failed_or_partial_last_refresh_is_stale_at_once(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [row("A")], T0)
    merge(con, tmp_path, [row("A")], T0 + dt.timedelta(hours=1), complete=False)
    state = watcher_state(con, T0.date(), 3)
    assert state.is_stale and state.last_status == "partial"
    assert state.stale_detail == "the last refresh (run 2, started 2024-01-01T06:00:00Z) was partial"
    failed_run(con, T0 + dt.timedelta(hours=2), "the layout changed")
    state = watcher_state(con, T0.date(), 3)
    assert state.stale_detail == "the last refresh (run 3, started 2024-01-01T07:00:00Z) was failed: the layout changed"
    assert stale_alerts(con, T0.date()) == [state.stale_detail]


def test_no_refresh_yet_is_stale(con: duckdb.DuckDBPyConnection) -> None:
    state = watcher_state(con, T0.date(), 3)
    assert (state.is_stale, state.stale_detail, state.last_run_id) == (True, "no refresh has run yet", None)
    failed_run(con, T0, "boom")
    assert watcher_state(con, T0.date(), 3).last_ok_run_id is None


def test_a_running_refresh_is_not_the_last_one_yet(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [row("A")], T0)
    begin_run(con, "http://x/", T0 + dt.timedelta(hours=1), 1)
    state = watcher_state(con, T0.date(), 3)
    assert (state.is_stale, state.last_run_id) == (False, 1)


def test_read_only_and_leaves_no_macro_behind(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [row("A")], T0)
    path = tmp_path / "w.duckdb"
    con.close()
    with duckdb.connect(str(path), read_only=True) as reader:
        assert not watcher_state(reader, T0.date(), 3).is_stale
        assert reader.execute(
            "select count(*) from duckdb_functions() where function_name = 'watcher_state'"
        ).fetchone() == (0,)
