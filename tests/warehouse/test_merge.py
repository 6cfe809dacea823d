"""The type-2 merge on hand-made staged runs: what it opens, closes and leaves alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.warehouse.staged_runs import T0, merge, rejected, row
from warehouse.db import connect
from warehouse.merge import TimeOrderError


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def history(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "select name, valid_until, valid_from, valid_to from cluster_history order by name, valid_from"
    ).fetchall()


def test_first_run_opens_a_version_per_cluster(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    figures = merge(con, tmp_path, [row("A"), row("B")], T0)
    assert (figures["added"], figures["changed"], figures["removed"]) == (2, 0, 0)
    assert history(con) == [("A", dt.date(2025, 1, 1), T0, None), ("B", dt.date(2025, 1, 1), T0, None)]


def test_change_closes_and_opens(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    t1 = T0 + dt.timedelta(days=1)
    merge(con, tmp_path, [row("A"), row("B")], T0)
    figures = merge(con, tmp_path, [row("A", "2028-01-01"), row("B")], t1)
    assert (figures["added"], figures["changed"], figures["removed"]) == (0, 1, 0)
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
    assert figures["removed"] == 1
    assert ("B", dt.date(2025, 1, 1), T0, t1) in history(con)


def test_partial_run_closes_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    t1 = T0 + dt.timedelta(days=1)
    merge(con, tmp_path, [row("A"), row("B")], T0)
    figures = merge(con, tmp_path, [row("A", "2030-01-01")], t1, complete=False)
    assert (figures["changed"], figures["removed"]) == (1, 0)
    assert ("B", dt.date(2025, 1, 1), T0, None) in history(con)


def test_a_complete_run_keeps_open_the_clusters_whose_rows_it_quarantined(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    t1 = T0 + dt.timedelta(days=1)
    merge(con, tmp_path, [row("A"), row("Nce B"), row("C")], T0)
    # B's row was on the page (its name spelled otherwise) but rejected; C's row had no name at all
    figures = merge(con, tmp_path, [row("A")], t1, quarantined=[rejected(" NCE  b "), rejected("")])
    assert (figures["changed"], figures["removed"], figures["renamed"]) == (0, 1, 0)
    assert history(con) == [
        ("A", dt.date(2025, 1, 1), T0, None),
        ("C", dt.date(2025, 1, 1), T0, t1),
        ("Nce B", dt.date(2025, 1, 1), T0, None),  # kept open, with the values it had
    ]
    keys = con.execute("select country_key, name_key from rejected_rows where run_id = 2 order by all").fetchall()
    assert keys == [("c1", "nce b"), ("c1", None)]


def test_a_name_that_did_not_decode_keeps_open_only_the_cluster_it_can_be(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # each run of U+FFFD stands for any characters; what the name holds besides is matched as written
    t1 = T0 + dt.timedelta(days=1)
    names = ["Møre (C++) Cluster", "Mare (C+) Cluster", "Tèxtil Cluster", "Tèxtil Cluster Two"]
    merge(con, tmp_path, [row(n) for n in names], T0)
    quarantined = [rejected("M\ufffd\ufffdre (C++) Cluster"), rejected("T\ufffdxtil Cluster")]
    figures = merge(con, tmp_path, [], t1, quarantined=quarantined, complete=True)
    assert figures["removed"] == 2
    closed = {name for name, _, _, valid_to in history(con) if valid_to is not None}
    assert closed == {"Mare (C+) Cluster", "Tèxtil Cluster Two"}


def test_a_rejected_row_of_another_country_keeps_nothing_open(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    t1 = T0 + dt.timedelta(days=1)
    merge(con, tmp_path, [row("A"), row("B")], T0)
    figures = merge(con, tmp_path, [row("A")], t1, quarantined=[rejected("B", country_id="c-2")])
    assert figures["removed"] == 1


def test_a_run_dated_before_the_versions_it_would_close_is_refused(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    merge(con, tmp_path, [row("A"), row("B")], T0)
    before = {t: con.execute(f"select * from {t} order by all").fetchall() for t in ("versions", "changes")}
    earlier = T0 - dt.timedelta(hours=1)
    with pytest.raises(TimeOrderError, match=f"dated {earlier}, before {T0}"):
        merge(con, tmp_path, [row("A", "2030-01-01")], earlier)
    assert {t: con.execute(f"select * from {t} order by all").fetchall() for t in before} == before


def test_relisted_cluster_opens_a_new_version(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    t1, t2 = T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=2)
    merge(con, tmp_path, [row("A")], T0)
    merge(con, tmp_path, [], t1)
    figures = merge(con, tmp_path, [row("A")], t2)
    assert figures["added"] == 1
    assert history(con) == [("A", dt.date(2025, 1, 1), T0, t1), ("A", dt.date(2025, 1, 1), t2, None)]
    first_seen = con.execute("select first_seen_at from clusters_current").fetchall()
    assert first_seen == [(T0,)]


def test_case_and_spacing_of_a_name_are_the_same_cluster(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    t1 = T0 + dt.timedelta(days=1)
    merge(con, tmp_path, [row("Nce Seafood")], T0)
    figures = merge(con, tmp_path, [row("NCE Seafood")], t1)
    assert (figures["added"], figures["changed"], figures["removed"]) == (0, 1, 0)
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
