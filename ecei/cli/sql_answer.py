"""Answering a script of statements, one at a time as its rows stream: what `ecei sql` and its shell
share (each answer within the settings' limits; a refusal or failure ends with one line)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ecei.cli.kit import outcomes
from ecei.outputs.formats import Batches
from ecei.query_settings import QuerySettings
from warehouse.query import (
    Answer,
    Part,
    QueryInvalid,
    QueryOutOfMemory,
    QueryRefused,
    QueryStopped,
    Script,
    streamed_query,
)

if TYPE_CHECKING:
    from ecei.settings import Settings

# the most one statement (-f FILE, standard input, a shell line) may hold
STATEMENT_BYTES = 1 << 20


def answer_script(
    chosen: QuerySettings | Settings,
    path: Path,
    script: Script,
    write: Callable[[list[str], Batches, list[str]], object],
    source: str = "",
) -> None:
    """Each statement of `script` in order, its answer handed to `write` as it streams (its columns,
    rows and DuckDB types); the first
    refused or failed one ends the command with its line (naming it, when there are several)."""
    for number, part in enumerate(script.parts, 1):
        where = _where(script, number, part, source)
        with answering(chosen, path, part.placed, where) as found:
            try:
                write(found.columns, found.batches(), found.types)
            except BrokenPipeError:
                # the reader left (`| head`): what it did not take is nobody's; no traceback at exit either
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return
    if script.broken is not None:
        where = _where(script, len(script.parts) + 1, script.broken, source)
        with outcomes(failed="query failed", detail=lambda exc: where + str(exc)):
            raise QueryInvalid(script.error)


def _where(script: Script, number: int, part: Part, source: str) -> str:
    """How a message names statement `number` of a script of several (nothing for one alone)."""
    if not script.several:
        return ""
    of = f" of {source}" if source else ""
    return f"statement {number}{of} (line {part.line}): "


@contextmanager
def answering(
    chosen: QuerySettings | Settings,
    path: Path,
    statement: str,
    where: str = "",
    parameters: dict[str, object] | None = None,
) -> Iterator[Answer]:
    """The statement's answer while its rows stream, within the settings' limits; a refusal, a busy
    warehouse or a failed query (also one that fails while its rows are read) ends the command with
    its line and exit code (kit.outcomes), the line starting with `where` (which statement)."""
    # a SQL error is the user's to fix: say it plainly, no traceback
    with (
        outcomes(failed="query failed", detail=lambda exc: where + _why(exc)),
        _refusal_names(where),
        streamed_query(
            path,
            statement,
            busy_timeout=chosen.busy_timeout,
            timeout=chosen.sql_timeout,
            memory_limit=chosen.sql_memory_limit,
            parameters=parameters,
        ) as found,
    ):
        yield found


@contextmanager
def _refusal_names(where: str) -> Iterator[None]:
    try:
        yield
    except QueryRefused as exc:
        if not where:
            raise
        raise QueryRefused(where + str(exc)) from exc


def _why(exc: Exception) -> str:
    """A failed query in one line, naming the setting that stopped it."""
    if isinstance(exc, QueryStopped):
        return f"{exc} (ECEI_SQL_TIMEOUT)"
    if isinstance(exc, QueryOutOfMemory):
        return f"{exc} (ECEI_SQL_MEMORY_LIMIT)"
    if isinstance(exc, OSError):  # the disk, not the query: -o FILE is left as it was
        return f"could not write the result: {exc}"
    return str(exc)
