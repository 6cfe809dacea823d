"""`ecei sql`: read-only SQL against the warehouse, as a table, CSV, TSV, JSON, JSON lines or Markdown.

One statement from the argument, a file (-f) or standard input (-); the public views and their
descriptions (--views); or, with no query on a terminal (or --shell), a shell (ecei.cli.sql_shell).
It reads the published copy of the warehouse (ecei.publish), or the live file with --live.

This command parses its own arguments with argparse and reads its settings through
ecei.query_settings: typer converts every option through pydantic, and pydantic (with
pydantic-settings) takes longer to import than DuckDB, while a query should answer in about the time
DuckDB alone takes (bench/sql_latency.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from typer._click.exceptions import UsageError

from ecei.cli.kit import LIVE_HELP, err, finish, out, outcomes, readable_db, settings, shown
from ecei.cli.lazy import OwnArguments
from ecei.cli.sql_formats import (
    FORMATS,
    SUFFIXES,
    TABLE_MOST,
    TERMINAL_ROWS,
    Batches,
    Hints,
    format_for,
    write_result,
)
from ecei.csv_cells import EXCEL_HELP, Layout, layout
from ecei.durable import read_capped
from ecei.outcome import Status
from ecei.outputs import STDOUT, Guard, check_output, guard, output_stream
from ecei.query_settings import QuerySettings, query_settings
from warehouse.db import sql_file
from warehouse.query import Answer, QueryOutOfMemory, QueryStopped, streamed_query

if TYPE_CHECKING:
    from ecei.settings import Settings

HELP = "Query the warehouse read-only: a statement, --views or a shell."
# the most a statement may hold, from -f FILE or standard input: a /dev/zero must not fill the memory
STATEMENT_BYTES = 1 << 20
EPILOG = """\
A query is one read: SELECT, WITH ... SELECT, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, or EXPLAIN
[ANALYZE] in front of one; writes, more than one statement and reads outside the warehouse file are
refused. The table fits the terminal: long values are folded (past 200 characters a line or 50 lines
they are cut, marked …), and columns or rows that do not fit are left out with a line naming them
(--format csv or -o FILE gives everything). Rows are written as they come: memory stays bounded
whatever their number, and ECEI_SQL_TIMEOUT counts the whole answer, writing it included.

exit codes: 0 ok, 1 SQL error, a statement that does not parse included (or a query stopped at
ECEI_SQL_TIMEOUT / ECEI_SQL_MEMORY_LIMIT), 2 refused statement, missing warehouse or usage error
(a -f FILE or standard input over 1 MiB too), 4 the warehouse stayed busy (ECEI_BUSY_TIMEOUT; only
with --live, or before anything was published: the published copy is never busy).
"""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors said as every `ecei` usage error is, and its exits as typer's."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise typer.Exit(status)


def _rows(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"not a number of rows (0 or more): {value!r}")
    return int(value)


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(
        prog="ecei sql",
        description=HELP,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    ap.add_argument("query", nargs="?", metavar="QUERY|-", help="the statement, or - to read it from standard input")
    ap.add_argument("-f", "--file", metavar="FILE", type=Path, help="read the statement from FILE")
    ap.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the result to FILE instead of standard output; its suffix "
        f"({', '.join(SUFFIXES)}) chooses the format unless --format does",
    )
    ap.add_argument(
        "--format",
        type=str.lower,
        choices=FORMATS,
        metavar="FORMAT",
        help=f"{', '.join(FORMATS)} (any case) [default: table]",
    )
    ap.add_argument("--excel", action="store_true", help=f"with --format csv or tsv: {EXCEL_HELP}")
    ap.add_argument("--db", type=Path, metavar="PATH", help="warehouse file [env ECEI_DB, default ./ecei.duckdb]")
    ap.add_argument("--live", action="store_true", help=LIVE_HELP)
    ap.add_argument(
        "--max-rows",
        type=_rows,
        metavar="N",
        help=f"rows a table shows, the first and the last halves; 0 = all [default: {TERMINAL_ROWS} on a "
        "terminal, all otherwise]",
    )
    ap.add_argument("--views", action="store_true", help="list the public views, tables and macros, described")
    ap.add_argument(
        "--shell",
        action="store_true",
        help="open the SQL shell (what `ecei sql` alone does on a terminal); it reads standard input when "
        "that is not a terminal",
    )
    return ap


def run(args: list[str]) -> None:
    """`ecei sql ARGS`: exits through typer.Exit (kit's codes), or UsageError."""
    a = _parser().parse_args(args)
    fmt = format_for(a.format, a.output)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    given = [name for name, on in (("QUERY", a.query is not None), ("-f", a.file), ("--views", a.views)) if on]
    if len(given) > 1 or (a.shell and given):
        raise UsageError(f"give one of QUERY, -f FILE, --views or --shell (got {', '.join(given)})")
    shell = a.shell or (not given and interactive)
    if not given and not shell:
        raise UsageError("give a QUERY, - to read it from standard input, or -f FILE (alone on a terminal: the shell)")
    if a.output is not None and shell:
        raise UsageError("-o writes one result: the shell writes to the terminal (.format sets its format)")
    if a.excel and (shell or fmt not in ("csv", "tsv")):
        raise UsageError("--excel lays out a CSV or TSV result: give --format csv or tsv (or -o FILE.csv)")
    chosen_layout = layout(a.excel)
    target = _output(a.output)
    chosen: QuerySettings | Settings = query_settings(a.db) or settings(db=a.db)
    path = readable_db(chosen, a.live)
    guarded = guard(chosen.db, a.file)
    if target is not None:
        with outcomes():  # before the query runs: an -o that names an input is refused, nothing written
            check_output(target, guarded, "-o")
    if shell:
        from ecei.cli.sql_shell import run_shell

        raise typer.Exit(run_shell(chosen, path, fmt, a.max_rows, interactive=interactive))
    statement = sql_file("public_objects.sql") if a.views else _statement(a.query, a.file)
    max_rows = a.max_rows if a.max_rows is not None else (TERMINAL_ROWS if out.is_terminal else None)
    with answering(chosen, path, statement) as found:
        if target is None or str(target) == STDOUT:
            _to_stdout(fmt, found.columns, found.batches(), max_rows, chosen_layout)
            return
        total = _write_file(target, guarded, fmt, found.columns, found.batches(), chosen_layout)
    if fmt == "table" and total > TABLE_MOST:
        said = f"{total:,} rows, the first {TABLE_MOST:,} written to {target} as a table (--format csv writes them all)"
    else:
        said = f"{total:,} rows written to {target}"
    err.print(said, highlight=False, markup=False)


def _to_stdout(fmt: str, columns: list[str], batches: Batches, max_rows: int | None, chosen: Layout) -> None:
    try:
        write_result(
            fmt, sys.stdout, out, columns, batches, terminal=True, max_rows=max_rows, hints=Hints(), layout=chosen
        )
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader left (`| head`): what it did not take is nobody's; no traceback at exit either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _statement(query: str | None, file: Path | None) -> str:
    """The statement of -f FILE, of standard input (-) or of the argument; a file is read with a cap."""
    if file is None and query != "-":
        assert query is not None
        return query
    source, named = (file, f"-f {file}") if file is not None else (Path("/dev/stdin"), "standard input")
    with outcomes():  # past the cap: refused, exit 2
        try:
            what = "the statement in" if file is not None else "the statement on standard input:"
            raw = read_capped(source, STATEMENT_BYTES, what)
        except OSError as exc:
            raise UsageError(f"{named}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{named}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _output(name: str | None) -> Path | None:
    """The file -o names, checked before the query runs: its folder must exist."""
    if name is None:
        return None
    target = Path(name)
    if name != STDOUT and target.is_dir():
        raise UsageError(f"-o {name} is a folder: name a file")
    if name != STDOUT and not target.parent.is_dir():
        raise UsageError(f"-o {name}: there is no folder {target.parent}")
    return target


def _write_file(target: Path, guarded: Guard, fmt: str, columns: list[str], batches: Batches, chosen: Layout) -> int:
    """The result written whole by ecei.outputs (a failure of the query or of the disk leaves no half
    file, an input is never replaced). Returns how many rows it holds."""
    try:
        with output_stream(target, guarded, "-o") as stream:
            console = Console(file=stream, width=80, color_system=None, force_terminal=False, soft_wrap=False)
            return write_result(
                fmt, stream, console, columns, batches, terminal=False, max_rows=None, hints=Hints(), layout=chosen
            )
    except OSError as exc:
        err.print(f"[red]could not write the result:[/red] {shown(str(exc))}", highlight=False)
        finish(Status.FAILED)


@contextmanager
def answering(chosen: QuerySettings | Settings, path: Path, statement: str) -> Iterator[Answer]:
    """The statement's answer while its rows stream, within the settings' limits; a refusal, a busy
    warehouse or a failed query (also one that fails while its rows are read) ends the command with
    its line and exit code (kit.outcomes)."""
    # a SQL error is the user's to fix: say it plainly, no traceback
    with (
        outcomes(failed="query failed", detail=_why),
        streamed_query(
            path,
            statement,
            busy_timeout=chosen.busy_timeout,
            timeout=chosen.sql_timeout,
            memory_limit=chosen.sql_memory_limit,
        ) as found,
    ):
        yield found


def _why(exc: Exception) -> str:
    """A failed query in one line, naming the setting that stopped it."""
    if isinstance(exc, QueryStopped):
        return f"{exc} (ECEI_SQL_TIMEOUT)"
    if isinstance(exc, QueryOutOfMemory):
        return f"{exc} (ECEI_SQL_MEMORY_LIMIT)"
    return str(exc)


sql_command = OwnArguments("sql", run, help=HELP)

__all__ = ["answering", "run", "sql_command"]
