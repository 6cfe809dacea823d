"""The crawl_runs ledger on a real warehouse file: a run begins, is settled or abandoned, and reads back."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from warehouse.db import connect, migrations, sql_file
from warehouse.runs import RunFigures, abandon_running, begin_run, run_row, settle_run, utcnow

T0 = dt.datetime(2024, 3, 1, 6, 30)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def every_figure_distinct() -> RunFigures:
    """A value per figure that no other figure has, so a figure written to the wrong column shows."""
    values: dict[str, object] = {}
    for i, f in enumerate(dataclasses.fields(RunFigures), start=1):
        values[f.name] = ["ICT", "Health"] if f.name == "new_portfolios" else 100 + i
    return RunFigures(**values)  # type: ignore[arg-type]


def test_a_run_begins_running_with_its_url_time_and_process(con: duckdb.DuckDBPyConnection) -> None:
    first = begin_run(con, "http://a/", T0, 4321)
    second = begin_run(con, "http://b/", T0 + dt.timedelta(hours=1), 4322)
    assert second > first
    row = run_row(con, first)
    assert (row["status"], row["start_url"], row["started_at"]) == ("running", "http://a/", T0)
    assert row["finished_at"] is None
    assert con.execute("select pid from runs where run_id = ?", [first]).fetchone() == (4321,)


def test_settle_writes_every_figure_to_its_own_column(con: duckdb.DuckDBPyConnection) -> None:
    run_id = begin_run(con, "http://a/", T0, 1)
    figures = every_figure_distinct()
    finished = T0 + dt.timedelta(minutes=5)
    settle_run(con, run_id, "partial", figures, "Norway incomplete", finished_at=finished)
    row = run_row(con, run_id)
    assert (row["status"], row["message"], row["finished_at"]) == ("partial", "Norway incomplete", finished)
    assert {name: row[name] for name in dataclasses.asdict(figures)} == dataclasses.asdict(figures)


def test_settle_without_a_time_stamps_now_and_touches_only_its_run(con: duckdb.DuckDBPyConnection) -> None:
    other = begin_run(con, "http://a/", T0, 1)
    run_id = begin_run(con, "http://a/", T0, 2)
    before = utcnow()
    settle_run(con, run_id, "ok", RunFigures(rows_loaded=3, new_portfolios=[]))
    after = utcnow()
    row = run_row(con, run_id)
    assert row["finished_at"] is not None and before <= row["finished_at"] <= after
    assert (row["status"], row["rows_loaded"], row["message"], row["new_portfolios"]) == ("ok", 3, None, [])
    assert row["added"] == 0  # settled, and no change recorded
    untouched = run_row(con, other)
    assert (untouched["status"], untouched["finished_at"], untouched["rows_loaded"]) == ("running", None, None)
    assert untouched["added"] is None  # no figure while it runs


def test_abandon_fails_only_the_runs_left_running(con: duckdb.DuckDBPyConnection) -> None:
    settled = begin_run(con, "http://a/", T0, 1)
    settle_run(con, settled, "ok", RunFigures(rows_loaded=1), finished_at=T0)
    left = [begin_run(con, "http://a/", T0 + dt.timedelta(days=d), 2) for d in (1, 2)]

    assert abandon_running(con) == left
    for run_id in left:
        row = run_row(con, run_id)
        assert row["status"] == "failed"
        assert row["finished_at"] is not None and row["finished_at"] > T0
        assert "abandoned" in str(row["message"])
    assert (run_row(con, settled)["status"], run_row(con, settled)["finished_at"]) == ("ok", T0)
    assert abandon_running(con) == []


def test_run_row_of_an_unknown_run_is_a_key_error(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(KeyError, match="no run 7"):
        run_row(con, 7)


def test_run_row_names_the_columns_of_crawl_runs(con: duckdb.DuckDBPyConnection) -> None:
    run_id = begin_run(con, "http://a/", T0, 1)
    columns = [d[0] for d in con.execute("select * from crawl_runs").description]
    assert list(run_row(con, run_id)) == columns


def _warehouse_at(path: Path, version: int) -> duckdb.DuckDBPyConnection:
    """A warehouse as the migrations up to `version` left it (the definitions of the time aside)."""
    con = duckdb.connect(str(path))
    con.execute(sql_file("schema_migrations.sql"))
    for number, name in migrations():
        if number <= version:
            con.execute(sql_file(f"migrations/{name}"))
            con.execute("insert into schema_migrations values (?, ?, now())", [number, name])
    return con


def test_migration_016_keeps_the_change_counts_every_run_showed(tmp_path: Path) -> None:
    """The counts were stored a column a kind; from migration 016 they are counted from `changes`.
    Every run shows what it showed: those whose changes count otherwise keep their stored counts."""
    path = tmp_path / "old.duckdb"
    stored = {  # run: status, rows_seen, (added, changed, removed, renamed), its changes
        1: ("ok", 3, (2, 1, 0, 0), ["added", "added", "changed"]),  # counted alike: nothing kept
        2: ("ok", 3, (0, 0, 0, 1), ["added", "removed"]),  # a link broken after the run rewrote them
        3: ("failed", 0, (0, 0, 0, None), []),  # failed before migration 003: no rename counted
        4: ("failed", None, (None, None, None, None), []),  # abandoned: no figure
        5: ("running", None, (None, None, None, None), []),
    }
    with closing(_warehouse_at(path, 15)) as old:
        for run_id, (status, seen, counts, kinds) in stored.items():
            old.execute(
                "insert into runs (run_id, started_at, status, start_url, rows_seen, added, changed, removed, renamed)"
                " values (?, ?, ?, 'http://x/', ?, ?, ?, ?, ?)",
                [run_id, T0 + dt.timedelta(days=run_id), status, seen, *counts],
            )
            for i, kind in enumerate(kinds):
                old.execute(
                    "insert into changes (run_id, cluster_id, change, country, country_id, name)"
                    " values (?, ?, ?, 'Norway', 'c-1', 'A')",
                    [run_id, f"c{run_id}-{i}", kind],
                )
    with closing(connect(path)) as con:
        shown = con.execute("select run_id, added, changed, removed, renamed from crawl_runs order by run_id")
        assert shown.fetchall() == [(run_id, *counts) for run_id, (_, _, counts, _) in stored.items()]
        kept = con.execute("select run_id from runs where recorded_change_counts is not null order by 1").fetchall()
        assert kept == [(2,), (3,)]
        columns = {d[0] for d in con.execute("select * from runs limit 0").description}
        assert not columns & {"added", "changed", "removed", "renamed"}  # no column a kind any more
