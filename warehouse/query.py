"""Read-only queries for analysts: one statement, no writes, nothing outside the warehouse file,
within a time and a memory limit."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import open_when_free

# A SELECT may still call functions that reach outside the file (read_csv, httpfs, ...):
# external access is switched off and the configuration locked (in `_open`) so that SET cannot undo
# it. Nothing spills to disk either (no temp directory): a query that needs more than its memory
# limit fails instead of writing beside the warehouse.
_SAFE_CONFIG: dict[str, object] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "temp_directory": "",
}
_ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
# EXPLAIN ANALYZE runs the statement it explains: what follows EXPLAIN must be a read as well
_EXPLAIN = re.compile(r"^(\s+|--[^\n]*\n|/\*.*?\*/)*explain(\s+analy[sz]e)?\s+", re.IGNORECASE | re.DOTALL)


class QueryRefused(Exception):
    """The statement would write or reach outside the warehouse."""


class QueryStopped(Exception):
    """The statement ran past its time limit and was interrupted."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"the query ran longer than its time limit of {seconds:g} s and was stopped")


class QueryOutOfMemory(Exception):
    """The statement needed more memory than its limit."""

    def __init__(self, limit: str, detail: str) -> None:
        self.limit = limit
        super().__init__(f"the query needs more memory than its limit of {limit}: {detail}")


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


def run_query(
    db: Path | str, sql: str, busy_timeout: float, timeout: float | None = None, memory_limit: str | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only statement; returns (column names, rows). Past `timeout` seconds it is
    interrupted (QueryStopped); past `memory_limit` (DuckDB's, e.g. '1GB') it fails (QueryOutOfMemory)."""
    config = _SAFE_CONFIG if memory_limit is None else {**_SAFE_CONFIG, "memory_limit": memory_limit}
    con = open_when_free(db, busy_timeout, read_only=True, config=config)
    # interrupt() is the one call DuckDB takes from another thread while a statement runs
    timer = None if timeout is None else threading.Timer(timeout, con.interrupt)
    try:
        # a session option, set before the lock: a long query must not draw a progress bar on stdout
        con.execute("set enable_progress_bar = false")
        con.execute("set lock_configuration = true")
        check_query(con, sql)
        if timer is not None:
            timer.start()
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description] if cur.description else []
        return columns, cur.fetchall()
    except duckdb.InterruptException as exc:
        raise QueryStopped(timeout or 0) from exc
    except duckdb.OutOfMemoryException as exc:
        raise QueryOutOfMemory(str(memory_limit), str(exc).splitlines()[0]) from exc
    finally:
        if timer is not None:
            timer.cancel()
        con.close()
