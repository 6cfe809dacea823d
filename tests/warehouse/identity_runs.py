"""Hand-made staged runs merged into a real warehouse, and what the identity tests read back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from tests.warehouse.staged_runs import T0 as T0
from tests.warehouse.staged_runs import merge as merge
from tests.warehouse.staged_runs import row as staged_row

T1 = T0 + dt.timedelta(days=1)
T2 = T0 + dt.timedelta(days=2)
NORWAY = "9e0e2d07-b7a9-47ae-a816-cf7692205403"


def row(
    name: str,
    website: str | None = None,
    portfolio: str = "Food industry",
    valid_until: str = "2025-01-01",
    country_id: str = NORWAY,
) -> dict[str, Any]:
    """A staged row of a Norwegian cluster, its website second: what the rename evidence compares."""
    return staged_row(name, valid_until, portfolio, country_id, website)


def changes(con: duckdb.DuckDBPyConnection, run_id: int) -> list[tuple[Any, ...]]:
    return con.execute(
        "select change, old_name, new_name from cluster_changes where run_id = ? order by all", [run_id]
    ).fetchall()


def decisions(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute("select old_name, new_name, linked, decided_by from cluster_links order by link_id").fetchall()


def ids_of(con: duckdb.DuckDBPyConnection, *names: str) -> set[str]:
    rows = con.execute(
        "select distinct cluster_id from cluster_history where name in (select unnest(?::varchar[]))", [list(names)]
    ).fetchall()
    return {r[0] for r in rows}


def identity_state(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        t: con.execute(f"select * from {t} order by all").fetchall() for t in ("versions", "changes", "cluster_keys")
    }


KEEP = [row("Oslo Medtech", "http://www.oslo-medtech.example/", "Health and medical science")]
