"""The definitions (warehouse/semantics, warehouse/views): applied after the migrations, again whenever a
file's text changes, in the order their `requires` give, all or nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.db import DefinitionFailed, apply_definitions, connect, definitions, open_when_free


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "defs"
    _write(root, "semantics/twice.sql", "create or replace macro twice(x) as x * 2;")
    _write(root, "semantics/plus_one.sql", "create or replace macro plus_one(x) as x + 1;")
    # `answer` reads `twice`: a view binds what it reads when created, so the macro must come first
    _write(root, "views/answer.sql", "-- requires: twice\ncreate or replace view answer as select twice(21) as a;")
    return root


def _ledger(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, object]]:
    rows = con.execute("select name, sha256, applied_at from schema_definitions").fetchall()
    return {n: (h, at) for n, h, at in rows}


def test_a_changed_file_is_applied_again_and_an_unchanged_one_is_not(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert apply_definitions(con, root) == ["semantics/plus_one.sql", "semantics/twice.sql", "views/answer.sql"]
    before = _ledger(con)
    # someone replaced plus_one by hand: an unchanged file does not overwrite it, so it was not run again
    con.execute("create or replace macro plus_one(x) as x + 100")
    _write(root, "semantics/twice.sql", "create or replace macro twice(x) as x * 3;")
    assert apply_definitions(con, root) == ["semantics/twice.sql"]
    assert con.execute("select a, plus_one(0) from answer").fetchone() == (63, 100)
    after = _ledger(con)
    assert after["semantics/plus_one.sql"] == before["semantics/plus_one.sql"]
    assert after["semantics/twice.sql"][0] != before["semantics/twice.sql"][0]
    assert apply_definitions(con, root) == []


def test_a_broken_file_fails_the_open_and_leaves_the_warehouse_as_it_was(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_definitions(con, root)
    before = _ledger(con)
    _write(root, "semantics/twice.sql", "create or replace macro twice(x) as x * 3;")  # applies, then is undone
    broken = "-- requires: twice\ncreate or replace view answer as select twice(21) frm nowhere;"
    _write(root, "views/answer.sql", broken)
    with pytest.raises(DefinitionFailed, match=r"views/answer\.sql") as failed:
        apply_definitions(con, root)
    assert "left as it was" in str(failed.value)
    assert con.execute("select a from answer").fetchone() == (42,)
    assert _ledger(con) == before


def test_requires_orders_the_files_and_a_cycle_or_an_unknown_name_is_refused(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    # a semantics file may read a view: its `requires` puts the view first
    big = "-- requires: answer\ncreate or replace macro big() as (select a * 10 from answer);"
    _write(root, "semantics/big.sql", big)
    names = [name for name, _ in definitions(root)]
    assert names.index("semantics/twice.sql") < names.index("views/answer.sql") < names.index("semantics/big.sql")
    con = duckdb.connect()
    apply_definitions(con, root)
    assert con.execute("select big()").fetchone() == (420,)
    _write(root, "semantics/twice.sql", "-- requires: big\ncreate or replace macro twice(x) as x * 2;")
    with pytest.raises(DefinitionFailed, match="cycle"):
        definitions(root)
    _write(root, "semantics/twice.sql", "-- requires: nothing_here\ncreate or replace macro twice(x) as x * 2;")
    with pytest.raises(DefinitionFailed, match="nothing_here"):
        definitions(root)


def _older(path: Path) -> None:
    """Make `path` a warehouse as an older version left it: an older view and no record of definitions."""
    with connect(path) as con:
        con.execute("drop table schema_definitions")
        con.execute("drop view crawl_runs")  # it reads run_figures: an older file had neither
        con.execute("drop view run_figures")
        con.execute("create or replace view clusters_current as select 1 as old")
        con.execute("checkpoint")


def test_an_old_warehouse_gets_the_definitions_on_its_next_writable_open(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _older(path)
    with connect(path) as con:
        assert "label_days_left" in [c[0] for c in con.execute("select * from clusters_current").description]
        assert set(_ledger(con)) == {name for name, _ in definitions()}


def test_a_read_of_an_old_warehouse_asks_this_versions_questions_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _older(path)
    before = path.read_bytes()
    with open_when_free(path, 1, read_only=True) as con:
        assert "label_days_left" in [c[0] for c in con.execute("select * from clusters_current").description]
        assert con.execute("select count(*) from crawl_runs").fetchone() == (0,)
        assert con.execute("select label_status(date '2020-01-10', date '2020-01-01', 30)").fetchone() == ("lapsing",)
        held = con.execute("select count(*) from duckdb_views() where view_name = 'run_figures' and not temporary")
        assert held.fetchone() == (0,)  # what it reads is its connection's, not the file's
    assert path.read_bytes() == before
    with open_when_free(path, 1, read_only=True) as con:  # and again, from the file as it was
        assert con.execute("select count(*) from crawl_runs").fetchone() == (0,)


def test_a_read_whose_definitions_cannot_apply_sees_the_files_own(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _older(path)
    with duckdb.connect(str(path)) as con:  # a column the definitions read is not there yet (a pending migration)
        con.execute("alter table versions rename column valid_until to valid_till")
    with open_when_free(path, 1, read_only=True) as con:
        assert con.execute("select * from clusters_current").fetchall() == [(1,)]
        assert con.execute("select count(*) from duckdb_views() where temporary and not internal").fetchone() == (0,)


def test_an_up_to_date_read_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    connect(path).close()
    with open_when_free(path, 1, read_only=True) as con:
        made = con.execute("select count(*) from duckdb_views() where temporary and not internal").fetchone()
        q = "select count(*) from duckdb_functions() where function_type like '%macro' and database_name='temp'"
        macros = con.execute(q)
        assert made == (0,) and macros.fetchone() == (0,)


def test_a_missing_table_is_named_never_a_python_variable(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    connect(path).close()
    run_figures = "a Python variable DuckDB would otherwise scan"  # noqa: F841 (read by DuckDB's replacement scan)
    with open_when_free(path, 1, read_only=True) as con:
        with pytest.raises(duckdb.CatalogException, match="no_such_view"):
            con.execute("select * from no_such_view")
        con.execute("drop view if exists nothing")  # harmless: read-only refuses writes elsewhere
    with connect(path) as con:
        con.execute("drop view crawl_runs")
        con.execute("drop view run_figures")
        with pytest.raises(duckdb.CatalogException, match="run_figures"):
            con.execute("select * from run_figures")


def test_every_shipped_definition_applies_on_a_fresh_warehouse(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        views = {v for (v,) in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    assert {"crawl_runs", "cluster_history", "clusters_current", "cluster_changes", "rejected_rows"} <= views
