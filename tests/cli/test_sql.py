"""`ecei sql` as a user runs it: reads only, in three formats, and says plainly what it refuses."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.cli.helpers import ecei


def test_sql_json_is_one_array_of_objects(demo_db: Path) -> None:
    done = ecei("sql", "--db", str(demo_db), "--format", "json", "select name, valid_until from clusters_current")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert isinstance(rows, list) and rows and set(rows[0]) == {"name", "valid_until"}
    assert all(len(r["valid_until"]) == 10 for r in rows)


def test_sql_csv(demo_db: Path) -> None:
    done = ecei("sql", "--db", str(demo_db), "--format", "csv", "select 1 as a, 'x,y' as b")
    assert done.stdout.splitlines() == ["a,b", '1,"x,y"']


def test_sql_table_escapes_markup(demo_db: Path) -> None:
    done = ecei("sql", "--db", str(demo_db), "select '[bold]x[/bold]' as name")
    assert "[bold]x[/bold]" in done.stdout


@pytest.mark.parametrize(
    "statement",
    [
        "insert into runs (started_at, status, start_url) values (now(), 'ok', 'x')",
        "update runs set status = 'ok'",
        "delete from versions",
        "create table t (x int)",
        "drop view clusters_current",
        "attach '/tmp/other.duckdb' as other",
        "copy (select 1) to '/tmp/out.csv'",
        "install httpfs",
        "load httpfs",
        "export database '/tmp/export'",
        "set enable_external_access = true",
        "set lock_configuration = false",
        "truncate versions",
        "copy versions from '/tmp/in.csv'",
        "explain analyze delete from versions",
        "checkpoint",
        "pragma enable_profiling",
        "select 1; select 2",
    ],
)
def test_sql_refuses_anything_but_reading(demo_db: Path, statement: str) -> None:
    done = ecei("sql", "--db", str(demo_db), statement)
    assert done.returncode == 2
    assert "refused" in done.stderr
    assert "Traceback" not in done.stderr


def test_sql_cannot_read_outside_the_file(demo_db: Path) -> None:
    done = ecei("sql", "--db", str(demo_db), "select * from read_csv('/etc/passwd')")
    assert done.returncode == 2
    assert "refused" in done.stderr and "outside the warehouse" in done.stderr and "Traceback" not in done.stderr
    assert "root:" not in done.stdout


def test_sql_refuses_a_write_hidden_behind_nested_comments(demo_db: Path) -> None:
    hidden = "/* /* */ explain select 1 -- */ explain analyze create table t (x integer)"
    done = ecei("sql", "--db", str(demo_db), hidden)
    assert done.returncode == 2
    assert "refused: EXPLAIN is allowed only in front of a read" in done.stderr and "Traceback" not in done.stderr


def test_sql_error_is_plain(demo_db: Path) -> None:
    done = ecei("sql", "--db", str(demo_db), "select * from no_such_view")
    assert done.returncode == 1
    assert "no_such_view" in done.stderr and "Traceback" not in done.stderr


# a cross join of 10^13 rows: hours of work for DuckDB
FOREVER = "select count(*) from range(100000) a, range(100000) b, range(1000) c where a.range + b.range + c.range < 0"


def test_sql_past_its_time_limit_is_interrupted_in_one_line(demo_db: Path) -> None:
    began = time.monotonic()
    done = ecei("sql", "--db", str(demo_db), FOREVER, env={**os.environ, "ECEI_SQL_TIMEOUT": "2"})
    took = time.monotonic() - began
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (
        "query failed: the query ran longer than its time limit of 2 s and was stopped (ECEI_SQL_TIMEOUT)"
    )
    assert took < 2 + 20, f"the query held on for {took:.0f} s"
    assert done.stdout == ""


def test_sql_needing_more_than_its_memory_limit_fails_cleanly(demo_db: Path) -> None:
    greedy = "select string_agg(range::varchar || repeat('x', 100), ',') from range(10000000)"
    done = ecei("sql", "--db", str(demo_db), greedy, env={**os.environ, "ECEI_SQL_MEMORY_LIMIT": "100MB"})
    assert done.returncode == 1, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("query failed: the query needs more memory than its limit of 100MB: Out of Memory")
    assert line.endswith("(ECEI_SQL_MEMORY_LIMIT)")
    assert not demo_db.with_name(demo_db.name + ".tmp").exists()  # nothing spilled beside the warehouse


def test_sql_without_warehouse(tmp_path: Path) -> None:
    done = ecei("sql", "--db", str(tmp_path / "none.duckdb"), "select 1")
    assert done.returncode == 2 and "ecei refresh" in done.stderr
