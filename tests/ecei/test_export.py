"""`export_views`: every public view, one file each, read back with DuckDB; the warehouse untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from ecei.export import export_views, public_views
from tests.conftest import query

VIEWS = ["cluster_changes", "cluster_history", "clusters_current", "crawl_runs", "rejected_rows"]
READERS = {"parquet": "read_parquet", "csv": "read_csv", "json": "read_json"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_public_views_are_the_documented_ones(history_db: Path) -> None:
    with duckdb.connect(str(history_db), read_only=True) as con:
        found = public_views(con)
    assert set(VIEWS) <= set(found)
    assert not {"runs", "versions", "quarantine", "changes", "cluster_keys"} & set(found)  # private tables


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json"])
def test_every_view_round_trips(history_db: Path, tmp_path: Path, fmt: str) -> None:
    before = digest(history_db)
    written = export_views(history_db, tmp_path / fmt, fmt, busy_timeout=5)
    assert set(VIEWS) <= {w.view for w in written}
    assert sorted(p.name for p in (tmp_path / fmt).iterdir()) == sorted(f"{w.view}.{fmt}" for w in written)
    for item in written:
        (rows,) = query(history_db, f"select count(*) from {item.view}")[0]
        assert item.rows == rows > 0
        with duckdb.connect() as con:
            back = con.execute(f"select * from {READERS[fmt]}('{item.path}')")
            names = [d[0] for d in back.description]
            assert len(back.fetchall()) == rows
        expected = [r[0] for r in query(history_db, f"describe {item.view}")]
        assert names == expected
    assert digest(history_db) == before  # read-only: not a byte of the warehouse changed


def test_parquet_keeps_types(history_db: Path, tmp_path: Path) -> None:
    export_views(history_db, tmp_path, "parquet", busy_timeout=5)
    with duckdb.connect() as con:
        types = dict(
            con.execute(
                f"select column_name, column_type from (describe select * from '{tmp_path}/clusters_current.parquet')"
            ).fetchall()
        )
        same = con.execute(
            f"select count(*) from '{tmp_path}/clusters_current.parquet' as e "
            f"join (select * from read_parquet('{tmp_path}/cluster_history.parquet') where is_current) as h "
            "using (cluster_id, valid_until)"
        ).fetchone()
    assert types["valid_until"] == "DATE" and types["first_seen_at"] == "TIMESTAMP"
    assert same == (query(history_db, "select count(*) from clusters_current")[0][0],)


def test_unknown_format_is_refused(history_db: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="xml"):
        export_views(history_db, tmp_path, "xml", busy_timeout=5)
    assert not any(tmp_path.iterdir())
