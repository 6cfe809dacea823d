"""`ecei replay` as a user runs it: a real process, its exit codes and output."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import ecei
from tests.conftest import query


def test_replay_into_a_new_file_then_refuses_to_overwrite_it(archived_db: Path, tmp_path: Path) -> None:
    into = tmp_path / "replayed.duckdb"
    done = ecei("replay", "--db", str(archived_db), "--into", str(into), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [r["status"] for r in result["runs"]] == ["ok", "ok"]
    sql = "select * from cluster_history order by all"
    assert query(into, sql) == query(archived_db, sql)
    again = ecei("replay", "--db", str(archived_db), "--into", str(into))
    assert again.returncode == 2 and "exists" in again.stderr
