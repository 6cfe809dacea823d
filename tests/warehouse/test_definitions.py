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


def test_an_old_warehouse_gets_the_definitions_on_its_next_writable_open_not_a_read_only_one(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        shipped = {name for name, _ in definitions()}
        assert set(_ledger(con)) == shipped
        # a warehouse made before the definitions had a ledger: an older view and no record of it
        con.execute("drop table schema_definitions")
        con.execute("create or replace view clusters_current as select 1 as old")
    with open_when_free(path, 1, read_only=True) as con:
        assert con.execute("select * from clusters_current").fetchall() == [(1,)]
        ledger = con.execute("select count(*) from duckdb_tables() where table_name = 'schema_definitions'")
        assert ledger.fetchone() == (0,)
    with connect(path) as con:
        assert "label_days_left" in [c[0] for c in con.execute("select * from clusters_current").description]
        assert set(_ledger(con)) == shipped


def test_every_shipped_definition_applies_on_a_fresh_warehouse(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        views = {v for (v,) in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    assert {"crawl_runs", "cluster_history", "clusters_current", "cluster_changes", "rejected_rows"} <= views
