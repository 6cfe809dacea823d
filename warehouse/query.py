"""Read-only queries for analysts: one statement, no writes, nothing outside the warehouse file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import open_when_free

# A SELECT may still call functions that reach outside the file (read_csv, httpfs, ...):
# external access is switched off and the configuration locked so that SET cannot undo it.
_SAFE_CONFIG: dict[str, object] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "lock_configuration": True,
}
_ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
# EXPLAIN ANALYZE runs the statement it explains: what follows EXPLAIN must be a read as well
_EXPLAIN = re.compile(r"^(\s+|--[^\n]*\n|/\*.*?\*/)*explain(\s+analy[sz]e)?\s+", re.IGNORECASE | re.DOTALL)


class QueryRefused(Exception):
    """The statement would write or reach outside the warehouse."""


def check_query(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"the query does not parse: {exc}") from exc
    if len(statements) != 1:
        raise QueryRefused(f"give exactly one statement (got {len(statements)})")
    kind = statements[0].type
    if kind == duckdb.StatementType.EXPLAIN:
        explained = _EXPLAIN.sub("", statements[0].query, count=1)
        if explained == statements[0].query:
            raise QueryRefused("EXPLAIN is allowed only in front of a SELECT")
        check_query(con, explained)
        return
    if kind not in _ALLOWED:
        name = kind.name if hasattr(kind, "name") else str(kind)
        raise QueryRefused(
            f"{name} statements are not allowed: `ecei sql` only reads (SELECT, WITH ... SELECT, "
            "DESCRIBE, SHOW, SUMMARIZE, EXPLAIN)"
        )


def run_query(db: Path | str, sql: str, busy_timeout: float) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only statement; returns (column names, rows)."""
    con = open_when_free(db, busy_timeout, read_only=True, config=_SAFE_CONFIG)
    try:
        check_query(con, sql)
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description] if cur.description else []
        return columns, cur.fetchall()
    finally:
        con.close()
