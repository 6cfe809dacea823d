"""The type-2 merge on hand-made staged runs: what it opens, closes and leaves alone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.keys import country_key, name_key
from tests.warehouse.history_rules import assert_history_consistent
from warehouse.db import connect
from warehouse.merge import merge_run
from warehouse.runs import RunFigures, begin_run

T0 = dt.datetime(2024, 1, 1, 5)


def row(name: str, valid_until: str = "2025-01-01", portfolio: str = "ICT", country_id: str = "c-1") -> dict[str, Any]:
    return {
        "page_url": "http://x/?country=" + country_id,
        "row_number": 1,
        "country": "Norway",
        "country_id": country_id,
        "name": name,
        "portfolio": portfolio,
        "website": None,
        "valid_until": valid_until,
        "country_key": country_key(country_id),
        "name_key": name_key(name) if name else "",
    }


def stage(tmp: Path, rows: list[dict[str, Any]], rejected: list[dict[str, Any]] | None = None) -> tuple[Path, Path]:
    tmp.mkdir(parents=True, exist_ok=True)
    rows_file, rejected_file = tmp / "rows.jsonl", tmp / "rejected.jsonl"
    rows_file.write_text("".join(json.dumps(r) + "\n" for r in rows))
    rejected_file.write_text("".join(json.dumps(r) + "\n" for r in rejected or []))
    return rows_file, rejected_file


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def merge(
    con: duckdb.DuckDBPyConnection, tmp: Path, rows: list[dict[str, Any]], at: dt.datetime, complete: bool = True
) -> RunFigures:
    run_id = begin_run(con, "http://x/", at, 1)
    rows_file, rejected_file = stage(tmp / str(run_id), rows)
    status = "ok" if complete else "partial"
    figures = merge_run(con, run_id, at, rows_file, rejected_file, complete, status, RunFigures())
    assert_history_consistent(con)
    return figures


def history(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "select name, valid_until, valid_from, valid_to from cluster_history order by name, valid_from"
    ).fetchall()


def test_first_run_opens_a_version_per_cluster(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    figures = merge(con, tmp_path, [row("A"), row("B")], T0)
    assert (figures.added, figures.changed, figures.removed) == (2, 0, 0)
    assert history(con) == [("A", dt.date(2025, 1, 1), T0, None), ("B", dt.date(2025, 1, 1), T0, None)]


def test_change_closes_and_opens(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    t1 = T0 + dt.timedelta(days=1)
    merge(con, tmp_path, [row("A"), row("B")], T0)
    figures = merge(con, tmp_path, [row("A", "2028-01-01"), row("B")], t1)
    assert (figures.added, figures.changed, figures.removed) == (0, 1, 0)
    assert history(con) == [
        ("A", dt.date(2025, 1, 1), T0, t1),
        ("A", dt.date(2028, 1, 1), t1, None),
        ("B", dt.date(2025, 1, 1), T0, None),
    ]
    change = con.execute(
        "select change, changed_columns, old_valid_until, new_valid_until from cluster_changes where run_id = 2"
    ).fetchall()
    assert change == [("changed", ["valid_until"], dt.date(2025, 1, 1), dt.date(2028, 1, 1))]


def test_complete_run_closes_the_absent(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    t1 = T0 + dt.timedelta(days=1)
    merge(con, tmp_path, [row("A"), row("B")], T0)
    figures = merge(con, tmp_path, [row("A")], t1)
    assert figures.removed == 1
    assert ("B", dt.date(2025, 1, 1), T0, t1) in history(con)


def test_partial_run_closes_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    t1 = T0 + dt.timedelta(days=1)
    merge(con, tmp_path, [row("A"), row("B")], T0)
    figures = merge(con, tmp_path, [row("A", "2030-01-01")], t1, complete=False)
    assert (figures.changed, figures.removed) == (1, 0)
    assert ("B", dt.date(2025, 1, 1), T0, None) in history(con)


def test_relisted_cluster_opens_a_new_version(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    t1, t2 = T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=2)
    merge(con, tmp_path, [row("A")], T0)
    merge(con, tmp_path, [], t1)
    figures = merge(con, tmp_path, [row("A")], t2)
    assert figures.added == 1
    assert history(con) == [("A", dt.date(2025, 1, 1), T0, t1), ("A", dt.date(2025, 1, 1), t2, None)]
    first_seen = con.execute("select first_seen_at from clusters_current").fetchall()
    assert first_seen == [(T0,)]


def test_case_and_spacing_of_a_name_are_the_same_cluster(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    t1 = T0 + dt.timedelta(days=1)
    merge(con, tmp_path, [row("Nce Seafood")], T0)
    figures = merge(con, tmp_path, [row("NCE Seafood")], t1)
    assert (figures.added, figures.changed, figures.removed) == (0, 1, 0)
    assert con.execute("select count(distinct cluster_id) from cluster_history").fetchone() == (1,)


def test_failing_merge_leaves_the_warehouse_as_it_was(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [row("A"), row("B")], T0)
    before = {
        t: con.execute(f"select * from {t} order by all").fetchall()
        for t in ("versions", "changes", "cluster_keys", "quarantine")
    }
    bad = row("C")
    bad["name"] = None  # breaks versions.name NOT NULL at the very last statement of the merge
    with pytest.raises(duckdb.ConstraintException):
        merge(con, tmp_path, [row("A", "2030-01-01"), bad], T0 + dt.timedelta(days=1))
    after = {t: con.execute(f"select * from {t} order by all").fetchall() for t in before}
    assert after == before


def test_run_figures_are_settled(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [row("A")], T0)
    assert con.execute("select status, added, finished_at is not null from crawl_runs").fetchall() == [("ok", 1, True)]
