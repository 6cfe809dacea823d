"""The crawl_runs ledger: a run is recorded before its crawl starts and settled by its merge."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from warehouse.db import sql_file


@dataclass
class RunFigures:
    """What one crawl saw; rows_seen = rows_loaded + rows_duplicate + rows_rejected. What it changed
    is not counted here: the `run_figures` view counts a run's rows of `changes` by kind."""

    pages_fetched: int = 0
    pages_failed: int = 0
    countries_listed: int = 0
    countries_loaded: int = 0
    stated_total: int | None = None
    stated_countries: int | None = None
    rows_seen: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    websites_invalid: int = 0
    new_portfolios: list[str] = field(default_factory=list)


def utcnow() -> dt.datetime:
    """Now, as the naive UTC timestamp the warehouse stores."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def begin_run(con: duckdb.DuckDBPyConnection, start_url: str, started_at: dt.datetime, pid: int | None) -> int:
    """Record a run as 'running' before its crawl starts; returns its id (`pid` None: a replayed run
    whose record kept none)."""
    row = con.execute(
        "insert into runs (started_at, status, start_url, pid) values (?, 'running', ?, ?) returning run_id",
        [started_at, start_url, pid],
    ).fetchone()
    assert row is not None
    return int(row[0])


def abandon_running(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Mark runs left 'running' by a process that died as failed. Call only while holding the lock."""
    rows = con.execute(sql_file("runs_abandon.sql"), {"finished_at": utcnow()}).fetchall()
    return sorted(r[0] for r in rows)


def settle_run(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    status: str,
    figures: RunFigures,
    message: str | None = None,
    finished_at: dt.datetime | None = None,
) -> None:
    """Record how a run ended; `finished_at` defaults to now (a replay passes the original time)."""
    con.execute(
        sql_file("runs_settle.sql"),
        {
            "run_id": run_id,
            "status": status,
            "finished_at": finished_at or utcnow(),
            "message": message,
            **asdict(figures),
        },
    )


def recorded_figures(con: duckdb.DuckDBPyConnection, run_id: int) -> dict[str, Any]:
    """Run `run_id`'s figures as the `run_figures` view (warehouse/semantics/run_figures.sql) defines
    them, column by column in its order; KeyError when there is no such run."""
    cur = con.execute("select * exclude (run_id) from run_figures where run_id = ?", [run_id])
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    if row is None:
        raise KeyError(f"no run {run_id}")
    return dict(zip(names, row, strict=True))


def run_row(con: duckdb.DuckDBPyConnection, run_id: int) -> dict[str, object]:
    """Run `run_id` as `crawl_runs` shows it, column by column; KeyError when there is none."""
    cur = con.execute("select * from crawl_runs where run_id = ?", [run_id])
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    if row is None:
        raise KeyError(f"no run {run_id}")
    return dict(zip(names, row, strict=True))
