"""The read-only guard of `ecei sql`: every statement type that writes or reaches out is refused.

The CLI tests run a few of these through the real command (exit 2, no traceback); here each
type is checked against a real warehouse file, in-process, and the file is checked unchanged.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.db import connect
from warehouse.query import QueryRefused, run_query


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("query") / "ecei.duckdb"
    with connect(db) as con:
        con.execute("insert into runs (started_at, status, start_url) values (now(), 'ok', 'http://x.example/')")
    return db


def contents(db: Path) -> list[object]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
        return [con.execute(f"select * from {t} order by all").fetchall() for t in tables] + [
            con.execute("select count(*) from duckdb_views() where not internal").fetchall()
        ]


REFUSED = {
    "insert": "insert into runs (started_at, status, start_url) values (now(), 'ok', 'x')",
    "insert in a with": "with x as (select 1) insert into runs (started_at, status, start_url) select now(), 'ok', 'x'",
    "update": "update runs set status = 'failed'",
    "delete": "delete from versions",
    "truncate": "truncate versions",
    "create table": "create table t (x integer)",
    "create view": "create view v as select 1",
    "create macro": "create macro m() as 1",
    "create secret": "create secret s (type s3, key_id 'x', secret 'y')",
    "drop": "drop view clusters_current",
    "alter": "alter table versions add column x integer",
    "comment": "comment on table versions is 'x'",
    "attach": "attach '/tmp/ecei-other.duckdb' as other",
    "detach": "detach memory",
    "use": "use memory",
    "copy to": "copy (select 1) to '/tmp/ecei-out.csv'",
    "copy from": "copy versions from '/tmp/ecei-in.csv'",
    "export": "export database '/tmp/ecei-export'",
    "import": "import database '/tmp/ecei-export'",
    "install": "install httpfs",
    "load": "load httpfs",
    "set external access": "set enable_external_access = true",
    "set lock_configuration": "set lock_configuration = false",
    "set allowed_directories": "set allowed_directories = ['/']",
    "set autoinstall": "set autoinstall_known_extensions = true",
    "reset": "reset enable_external_access",
    "pragma": "pragma enable_profiling",
    "call": "call pragma_version()",
    "checkpoint": "checkpoint",
    "vacuum": "vacuum",
    "begin": "begin transaction",
    "explain analyze delete": "explain analyze delete from versions",
    "explain analyze copy": "explain analyze copy (select 1) to '/tmp/ecei-out.csv'",
    "two statements": "select 1; drop table versions",
    "garbage": "selct 1",
}


@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
def test_refused(warehouse: Path, statement: str) -> None:
    before = contents(warehouse)
    with pytest.raises(QueryRefused):
        run_query(warehouse, statement, busy_timeout=1)
    assert contents(warehouse) == before


OUTSIDE = {
    "read_csv": "select * from read_csv('/etc/passwd')",
    "read_text": "select * from read_text('/etc/hostname')",
    "glob": "select * from glob('/etc/*')",
    "a file as a table": "select * from '/etc/passwd'",
    "a URL as a table": "select * from 'http://127.0.0.1:9/x.csv'",
}


@pytest.mark.parametrize("statement", OUTSIDE.values(), ids=OUTSIDE.keys())
def test_reading_outside_the_file_fails(warehouse: Path, statement: str) -> None:
    # external access is off (or, for a bare path, the replacement scan that would read it)
    with pytest.raises(duckdb.Error):
        run_query(warehouse, statement, busy_timeout=1)


@pytest.mark.parametrize(
    "statement",
    [
        "select count(*) from crawl_runs",
        "from crawl_runs",
        "describe versions",
        "show tables",
        "summarize crawl_runs",
        "explain select * from clusters_current",
        "-- why\nexplain analyze select count(*) from cluster_history",
    ],
)
def test_reads_are_answered(warehouse: Path, statement: str) -> None:
    columns, _ = run_query(warehouse, statement, busy_timeout=1)
    assert columns
