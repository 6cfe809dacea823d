"""Hand-made staged runs merged into a real warehouse, and what the identity tests read back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb

from pipelines.keys import country_key, name_key
from tests.warehouse.history_rules import assert_history_consistent
from warehouse.merge import merge_run
from warehouse.runs import RunFigures, begin_run

T0 = dt.datetime(2024, 1, 1, 5)
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
    return {
        "page_url": "http://x/?country=" + country_id,
        "row_number": 1,
        "country": "Norway",
        "country_id": country_id,
        "name": name,
        "portfolio": portfolio,
        "website": website,
        "valid_until": valid_until,
        "country_key": country_key(country_id),
        "name_key": name_key(name),
    }


def merge(
    con: duckdb.DuckDBPyConnection, tmp: Path, rows: list[dict[str, Any]], at: dt.datetime, complete: bool = True
) -> RunFigures:
    run_id = begin_run(con, "http://x/", at, 1)
    folder = tmp / f"run-{run_id}"
    folder.mkdir(parents=True)
    (folder / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "rejected.jsonl").write_text("")
    status = "ok" if complete else "partial"
    figures = merge_run(
        con, run_id, at, folder / "rows.jsonl", folder / "rejected.jsonl", complete, status, RunFigures()
    )
    assert_history_consistent(con)
    return figures


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
