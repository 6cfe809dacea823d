"""The watcher's own health: the last refresh, the last complete one, and whether the data is stale.

One rule (`watcher_state.sql`, a temp table macro) serves both readers: the `stale` alert kind runs
it in the alerts frame, and `ecei status` reads it through `watcher_state` below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from warehouse.db import sql_file


@dataclass(frozen=True)
class WatcherState:
    """What the rule found, as of `today` (the business day staleness is counted to)."""

    last_run_id: int | None  # the last refresh that ended (a running one is not counted yet)
    last_status: str | None
    last_ok_run_id: int | None
    last_ok_at: dt.datetime | None
    days_since_ok: int | None
    stale_days: int
    is_stale: bool
    stale_detail: str | None  # why it is stale, as the `stale` alert says it; None when it is not


def define(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temp macro `watcher_state(today, stale_days, seen_by)` on this connection (read-only ones too)."""
    con.execute(sql_file("watcher_state.sql"))


def drop(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("drop macro table if exists temp.watcher_state")


def watcher_state(con: duckdb.DuckDBPyConnection, today: dt.date, stale_days: int) -> WatcherState:
    """The rule's answer for this warehouse as of `today`."""
    define(con)
    try:
        cur = con.execute(
            "select last_run_id, last_status, last_ok_run_id, last_ok_at, days_since_ok, stale_days, is_stale,"
            " stale_detail from watcher_state($today, $stale_days, null)",
            {"today": today, "stale_days": stale_days},
        )
        row = cur.fetchone()
    finally:
        drop(con)
    assert row is not None  # built on scalar subqueries: always one row
    return WatcherState(*row)
