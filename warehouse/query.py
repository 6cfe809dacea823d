"""Read-only queries for analysts: one statement, no writes, nothing outside the warehouse file,
within a time and a memory limit, its rows streamed in batches (never all of them at once); and a
script cut into its statements by DuckDB's own parser (`split_script`), each then run on its own."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import Config, open_when_free

# A SELECT may still call functions that reach outside the file (read_csv, httpfs, ...):
# external access is switched off and the configuration locked (in `_open`) so that SET cannot undo
# it. Nothing spills to disk either (no temp directory): a query that needs more than its memory
# limit fails instead of writing beside the warehouse.
_SAFE_CONFIG: Config = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "temp_directory": "",
}
# the statement types DuckDB's own parser gives a read; DESCRIBE, SHOW, SUMMARIZE, FROM-first and
# VALUES are SELECTs to it. EXPLAIN is a read only when what it explains is (EXPLAIN ANALYZE runs it).
_READ = duckdb.StatementType.SELECT
_EXPLAIN = duckdb.StatementType.EXPLAIN
_ANALYZE = {"analyze", "analyse"}
_READS_NAMED = "SELECT, WITH ... SELECT, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN [ANALYZE] SELECT"
# rows taken from DuckDB at a time: one of its vectors, so Python holds about what DuckDB holds
BATCH_ROWS = 2048


class QueryRefused(Exception):
    """The statement would write or reach outside the warehouse."""


class QueryInvalid(Exception):
    """The text is no SQL DuckDB can parse: a SQL error, as a misspelt name is, not a refusal."""


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


def _statements(con: duckdb.DuckDBPyConnection, sql: str) -> list[duckdb.Statement]:
    try:
        return con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryInvalid(str(exc)) from exc


@dataclass(frozen=True)
class Part:
    """One statement of a script: its text as DuckDB's parser cut it, the line it starts on (its
    first token's), and how many line breaks of the script come before the text."""

    text: str
    line: int
    before: int = 0

    @property
    def placed(self) -> str:
        """The text after as many line breaks as the script has before it: DuckDB's `LINE N` in a
        message about it is then the script's line (made when the statement runs, not kept)."""
        return "\n" * self.before + self.text


@dataclass(frozen=True)
class Script:
    """A script's statements in order; `broken` is the one after them that does not parse (its text
    to the end of the script) and `error` DuckDB's message about it, lines counted in the script."""

    parts: list[Part]
    broken: Part | None = None
    error: str = ""

    @property
    def several(self) -> bool:
        """More than one statement: a message about one of them says which."""
        if self.broken is None:
            return len(self.parts) > 1
        return bool(self.parts) or _more_than_one(self.broken.text)


def _semicolons(text: str) -> list[bool]:
    """For each token of DuckDB's tokenizer in `text` but comments: whether it is a `;`."""
    raw = text.encode("utf-8")  # the tokenizer's positions count bytes
    try:
        return [raw[pos : pos + 1] == b";" for pos, kind in duckdb.tokenize(text) if kind != duckdb.token_type.comment]
    except duckdb.Error:
        return []


def _more_than_one(text: str) -> bool:
    """Whether `text` holds more than one statement: something but `;` and comments after its first `;`."""
    ends = _semicolons(text)
    return True in ends and not all(ends[ends.index(True) :])


def _part(text: str, before: int) -> Part:
    """`text`, after `before` line breaks of the script, as a Part starting at its first token."""
    raw = text.encode("utf-8")  # the tokenizer's positions count bytes
    try:
        starts = [pos for pos, kind in duckdb.tokenize(text) if kind != duckdb.token_type.comment]
    except duckdb.Error:
        starts = []
    return Part(text, before + 1 + raw[: starts[0] if starts else 0].count(b"\n"), before)


def split_script(sql: str) -> Script:
    """The statements of `sql` in order, as DuckDB's parser cuts them (a `;` in a string, a quoted
    name or a comment ends nothing). When the script does not parse, the statements before the one
    that does not are still given: each stretch up to a `;` of DuckDB's tokenizer parsed on its own,
    in order, up to the first that does not (as DuckDB's parser itself retries a failed script)."""
    try:
        queries = [s.query for s in duckdb.extract_statements(sql)]
    except duckdb.Error as exc:
        return _split_broken(sql, str(exc))
    parts, before = [], 0
    for query in queries:  # DuckDB's texts of the statements follow one another, whole, through the script
        parts.append(_part(query, before))
        before += query.count("\n")
    return Script(parts)


def _split_broken(sql: str, error: str) -> Script:
    raw = sql.encode("utf-8")  # the tokenizer's positions count bytes
    try:
        ends = [pos + 1 for pos, _ in duckdb.tokenize(sql) if raw[pos : pos + 1] == b";"]
    except duckdb.Error:
        ends = []
    parts: list[Part] = []
    start, before = 0, 0
    for end in [*ends, len(raw)]:
        stretch = raw[start:end].decode("utf-8")
        try:
            found = duckdb.extract_statements(stretch)
        except duckdb.Error:
            return Script(parts, _part(raw[start:].decode("utf-8"), before), error)
        if found:  # a stretch of `;` or comments alone holds none
            parts.append(_part(stretch, before))
        start, before = end, before + stretch.count("\n")
    return Script(parts)  # every stretch parses on its own: each runs, each through the guard


def _keyword(raw: bytes, position: int) -> str:
    """The word starting at `position` (a keyword is at most 8 letters here), lower case."""
    return "".join(itertools.takewhile(str.isalpha, raw[position : position + 8].decode("ascii", "replace"))).lower()


def _explained(query: str) -> str:
    """What an EXPLAIN [ANALYZE] statement explains, cut where DuckDB's own tokenizer says it starts."""
    raw = query.encode("utf-8")  # the tokenizer's positions count bytes
    starts = [pos for pos, kind in duckdb.tokenize(query) if kind != duckdb.token_type.comment]
    words = [_keyword(raw, pos) for pos in starts[:2]]
    skip = 2 if words[1:] and words[1] in _ANALYZE else 1
    if words[:1] != ["explain"] or len(starts) <= skip:
        raise QueryRefused(f"EXPLAIN is allowed only in front of a read ({_READS_NAMED})")
    return raw[starts[skip] :].decode("utf-8")


def check_query(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse anything but one read: the statement types are DuckDB's own, from its parser."""
    statements = _statements(con, sql)
    if len(statements) != 1:
        raise QueryRefused(f"give exactly one statement (got {len(statements)})")
    kind = statements[0].type
    if kind == _EXPLAIN:
        explained = _statements(con, _explained(statements[0].query))
        if len(explained) != 1 or explained[0].type != _READ:
            raise QueryRefused(f"EXPLAIN is allowed only in front of a read ({_READS_NAMED})")
        return
    if kind != _READ:
        name = kind.name if hasattr(kind, "name") else str(kind)
        raise QueryRefused(f"{name} statements are not allowed: `ecei sql` only reads ({_READS_NAMED})")


@dataclass
class Answer:
    """A statement's columns, their DuckDB types, and its rows as they come (`batches`, once)."""

    columns: list[str]
    types: list[str]
    _cursor: duckdb.DuckDBPyConnection
    _deadline: float | None
    _timeout: float | None
    _memory_limit: str | None

    def batches(self) -> Iterator[list[tuple[Any, ...]]]:
        """The rows, BATCH_ROWS at a time. The time limit counts the whole answer: past it, the next
        batch is not taken, however long the caller spent on the last one (QueryStopped)."""
        while True:
            if self._deadline is not None and time.monotonic() > self._deadline:
                raise QueryStopped(self._timeout or 0)
            with _stopped_as_ours(self._timeout, self._memory_limit):
                batch = self._cursor.fetchmany(BATCH_ROWS)
            if not batch:
                return
            yield batch


@contextmanager
def _stopped_as_ours(timeout: float | None, memory_limit: str | None) -> Iterator[None]:
    try:
        yield
    except duckdb.InterruptException as exc:
        raise QueryStopped(timeout or 0) from exc
    except duckdb.OutOfMemoryException as exc:
        raise QueryOutOfMemory(str(memory_limit), str(exc).splitlines()[0]) from exc


@contextmanager
def streamed_query(
    db: Path | str,
    sql: str,
    busy_timeout: float,
    timeout: float | None = None,
    memory_limit: str | None = None,
    parameters: dict[str, object] | None = None,
) -> Iterator[Answer]:
    """Run one read-only statement (with its named `parameters`, $name) and hand its answer over
    while it streams. Past `timeout` seconds from the start (the query and the reading of its rows)
    it is interrupted (QueryStopped); past `memory_limit` (DuckDB's, e.g. '1GB') it fails
    (QueryOutOfMemory); the connection is closed on leaving."""
    config = _SAFE_CONFIG if memory_limit is None else {**_SAFE_CONFIG, "memory_limit": memory_limit}
    con = open_when_free(db, busy_timeout, read_only=True, config=config)
    # interrupt() is the one call DuckDB takes from another thread while a statement runs
    timer = None if timeout is None else threading.Timer(timeout, con.interrupt)
    try:
        # a session option, set before the lock: a long query must not draw a progress bar on stdout
        con.execute("set enable_progress_bar = false")
        con.execute("set lock_configuration = true")
        check_query(con, sql)
        deadline = None if timeout is None else time.monotonic() + timeout
        if timer is not None:
            timer.start()
        with _stopped_as_ours(timeout, memory_limit):
            try:
                cur = con.execute(sql, parameters)  # DuckDB streams the result: rows are made as they are fetched
            except duckdb.PermissionException as exc:
                # a read of a file or URL (read_csv, glob, 'http://...'): refused by the connection's settings
                raise QueryRefused(f"the query reaches outside the warehouse file: {exc}") from exc
        described = cur.description or []
        yield Answer([d[0] for d in described], [str(d[1]) for d in described], cur, deadline, timeout, memory_limit)
    finally:
        if timer is not None:
            timer.cancel()
        con.close()


def run_query(
    db: Path | str, sql: str, busy_timeout: float, timeout: float | None = None, memory_limit: str | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only statement; returns (column names, every row): for answers known to be small
    (streamed_query for any other)."""
    with streamed_query(db, sql, busy_timeout, timeout, memory_limit) as answer:
        return answer.columns, [row for batch in answer.batches() for row in batch]
