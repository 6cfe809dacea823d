"""The `ecei` command as a user runs it: a real process, its exit codes and its output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from ecei.locks import refresh_lock_path
from tests.conftest import expected_rows

ECEI = str(Path(sys.executable).with_name("ecei"))


def ecei(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ECEI, *args], capture_output=True, text=True, timeout=180, env=env)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "demo.duckdb"
    done = ecei("refresh", "--demo", "--demo-snapshot", "2016-06", "--db", str(db), "--json")
    assert done.returncode == 0, done.stderr
    return db


def test_refresh_json_prints_one_object(demo_db: Path) -> None:
    done = ecei("refresh", "--demo", "--demo-snapshot", "2018-10", "--db", str(demo_db), "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["status"] == "ok"
    assert figures["rows_seen"] == len(expected_rows("2018-10"))
    assert figures["rows_rejected"] == 1


def test_refresh_summary_names_the_figures(tmp_path: Path) -> None:
    done = ecei("refresh", "--demo", "--db", str(tmp_path / "x.duckdb"))
    assert done.returncode == 0, done.stderr
    for words in ("status", "rows seen / stated total", "added / changed / removed", "rejected"):
        assert words in done.stdout


def test_unknown_demo_snapshot_is_a_usage_error(tmp_path: Path) -> None:
    done = ecei("refresh", "--demo", "--demo-snapshot", "1999-01", "--db", str(tmp_path / "x.duckdb"))
    assert done.returncode == 2
    assert "1999-01" in done.stderr


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
    assert done.returncode == 1
    assert "query failed" in done.stderr and "Traceback" not in done.stderr


def test_sql_error_is_plain(demo_db: Path) -> None:
    done = ecei("sql", "--db", str(demo_db), "select * from no_such_view")
    assert done.returncode == 1
    assert "no_such_view" in done.stderr and "Traceback" not in done.stderr


def test_sql_without_warehouse(tmp_path: Path) -> None:
    done = ecei("sql", "--db", str(tmp_path / "none.duckdb"), "select 1")
    assert done.returncode == 2 and "ecei refresh" in done.stderr


def test_refresh_exits_4_when_busy(demo_db: Path) -> None:
    with FileLock(str(refresh_lock_path(demo_db))):
        done = ecei("refresh", "--demo", "--db", str(demo_db))
    assert done.returncode == 4
    assert "another refresh" in done.stderr


def test_settings_from_environment(tmp_path: Path) -> None:
    import os

    db = tmp_path / "env.duckdb"
    done = ecei("refresh", "--demo", "--json", env={**os.environ, "ECEI_DB": str(db)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["db"] == str(db) and db.exists()
