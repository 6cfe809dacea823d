"""Migrations on an older warehouse file: what they carry over; and the files that are no warehouse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipelines.keys import country_key, name_key
from warehouse.db import (
    NotAWarehouse,
    WarehouseUnreadable,
    connect,
    inspect_file,
    migrations,
    open_when_free,
    sql_file,
    transaction,
)


def test_version_keys_migration_fills_every_version(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute("create table schema_migrations (version integer primary key, name varchar, applied_at timestamp)")
        for version, name in migrations():
            if version < 6:
                old.execute(sql_file(f"migrations/{name}"))
                old.execute("insert into schema_migrations values (?, ?, now())", [version, name])
        at = dt.datetime(2024, 1, 1)
        for name in ("NCE Ocean Tech", "Énergie  Valley"):
            old.execute(
                "insert into versions (cluster_id, country, country_id, name, portfolio, website, valid_until, "
                "row_hash, valid_from, valid_to, run_from, run_to) "
                "values ('c-' || ?, 'Norway', 'N-1', ?, 'ICT', null, '2025-01-01', 'h', ?, null, 1, null)",
                [name, name, at],
            )
        # a key kept by migration 005 is carried over as it was stored; the other is computed
        old.execute("insert into name_keys values ('N-1', 'NCE Ocean Tech', 'stored-country', 'stored-name')")
    con = connect(path)
    rows = con.execute("select name, country_key, name_key from versions order by name").fetchall()
    assert rows == [
        ("NCE Ocean Tech", "stored-country", "stored-name"),
        ("Énergie  Valley", country_key("N-1"), name_key("Énergie  Valley")),
    ]
    assert con.execute("select count(*) from duckdb_tables() where table_name = 'name_keys'").fetchone() == (0,)
    con.close()


def test_someone_elses_database_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs.duckdb"
    with duckdb.connect(str(theirs)) as con:
        con.execute("create view v as select 1 as x")
    before = theirs.read_bytes()
    for read_only in (False, True):
        with pytest.raises(NotAWarehouse):
            open_when_free(theirs, 1, read_only=read_only)
    assert theirs.read_bytes() == before


def test_an_empty_duckdb_file_becomes_a_warehouse(tmp_path: Path) -> None:
    blank = tmp_path / "blank.duckdb"
    duckdb.connect(str(blank)).close()
    with connect(blank) as con:
        assert con.execute("select count(*) from schema_migrations").fetchone() == (len(migrations()),)


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "an empty file"), (b"SQLite format 3\x00" + bytes(100), "not a DuckDB database")],
)
def test_a_file_that_is_no_duckdb_database_is_refused_before_duckdb_opens_it(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "x.duckdb"
    path.write_bytes(content)
    with pytest.raises(WarehouseUnreadable) as refused:
        inspect_file(path)
    assert refused.value.reason == reason and path.read_bytes() == content


def test_a_transaction_commits_its_block_or_leaves_nothing(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "t.duckdb")) as con:
        con.execute("create table t (x integer)")
        with transaction(con):
            con.execute("insert into t values (1)")
        with pytest.raises(duckdb.Error, match="does_not_exist"), transaction(con):
            con.execute("insert into t values (2)")
            con.execute("select * from does_not_exist")  # aborts the transaction: the rollback must not mask this
        assert con.execute("select list(x) from t").fetchone() == ([1],)
