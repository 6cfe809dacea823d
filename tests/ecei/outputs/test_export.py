"""`export_views`: every public view, one file each, read back with DuckDB; the warehouse untouched."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ecei.moments import stamp
from ecei.outputs.export import export_views, public_views
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
    assert types["valid_until"] == "DATE" and types["first_seen_at"] == "TIMESTAMP WITH TIME ZONE"
    assert same == (query(history_db, "select count(*) from clusters_current")[0][0],)


def test_unknown_format_is_refused(history_db: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="xml"):
        export_views(history_db, tmp_path, "xml", busy_timeout=5)
    assert not any(tmp_path.iterdir())


def timestamp_columns(db: Path) -> dict[str, list[str]]:
    """Every timestamp column of every public view: what the exports must write with its zone."""
    rows = query(
        db,
        "select table_name, column_name, data_type from duckdb_columns() where schema_name = 'main' "
        "and table_name in (select view_name from duckdb_views() where not internal) "
        "and data_type ilike '%timestamp%' order by all",
    )
    # a timestamp inside a list or a struct would be written by DuckDB as it is: none may hide there
    assert all(t.startswith("TIMESTAMP") for _, _, t in rows), rows
    found: dict[str, list[str]] = {}
    for view, column, _ in rows:
        found.setdefault(view, []).append(column)
    return found


def stamps(db: Path, view: str, column: str) -> list[str | None]:
    return [stamp(v) for (v,) in query(db, f"select {column} from {view} order by all")]


def read_back(path: Path, fmt: str) -> list[dict[str, Any]]:
    if fmt == "json":
        return json.loads(path.read_text(encoding="utf-8"))
    with path.open(newline="", encoding="utf-8") as f:
        return [{k: (v if v != "" else None) for k, v in r.items()} for r in csv.DictReader(f)]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_text_formats_write_every_timestamp_as_stamp_does(history_db: Path, tmp_path: Path, fmt: str) -> None:
    columns = timestamp_columns(history_db)
    assert {"crawl_runs", "cluster_history", "cluster_changes", "clusters_current"} <= set(columns)
    export_views(history_db, tmp_path, fmt, busy_timeout=5)
    for view, names in columns.items():
        rows = read_back(tmp_path / f"{view}.{fmt}", fmt)
        for column in names:
            written = sorted((r[column] for r in rows), key=lambda v: (v is None, v))
            assert written == sorted(stamps(history_db, view, column), key=lambda v: (v is None, v)), (view, column)
            assert all(v is None or (v.endswith("Z") and "T" in v) for v in written)
    runs = read_back(tmp_path / f"crawl_runs.{fmt}", fmt)
    assert all(r["started_at"] is not None for r in runs)


def test_csv_writes_a_list_as_json(history_db: Path, tmp_path: Path) -> None:
    export_views(history_db, tmp_path, "csv", busy_timeout=5)
    written = [r["new_portfolios"] for r in read_back(tmp_path / "crawl_runs.csv", "csv")]
    expected = [v for (v,) in query(history_db, "select new_portfolios from crawl_runs order by run_id")]
    assert [json.loads(w) for w in written] == expected


def test_parquet_timestamps_are_utc_instants(history_db: Path, tmp_path: Path) -> None:
    export_views(history_db, tmp_path, "parquet", busy_timeout=5)
    expected = query(history_db, "select run_id, started_at from crawl_runs order by run_id")
    with duckdb.connect() as con:
        con.execute("set timezone = 'America/New_York'")  # an instant reads the same in any zone
        back = con.execute(f"select run_id, started_at from '{tmp_path}/crawl_runs.parquet' order by run_id").fetchall()
        (kind,) = con.execute(
            f"select column_type from (describe select started_at from '{tmp_path}/crawl_runs.parquet')"
        ).fetchone() or ("",)
    assert kind == "TIMESTAMP WITH TIME ZONE"
    assert [(i, t.astimezone(dt.UTC).replace(tzinfo=None)) for i, t in back] == expected
