"""The crawl_runs ledger on a real warehouse file: a run begins, is settled or abandoned, and reads back."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from warehouse.db import connect
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
