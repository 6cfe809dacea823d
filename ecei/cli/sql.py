"""`ecei sql`: read-only SQL against the warehouse, as a table, CSV, TSV, JSON, JSON lines or Markdown.

One statement from the argument; every statement of a file (-f) or of standard input (- or a pipe),
in order, each through the same guard; the public views and their descriptions (--views); or, with
no query on a terminal (or --shell), a shell (ecei.cli.sql_shell).
It reads the published copy of the warehouse (ecei.outputs.publish), or the live file with --live.

This command parses its own arguments with argparse and reads its settings through
ecei.query_settings: typer converts every option through pydantic, and pydantic (with
pydantic-settings) takes longer to import than DuckDB, while a query should answer in about the time
DuckDB alone takes (bench/sql_latency.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from typer._click.exceptions import UsageError

from ecei.cli.kit import LIVE_HELP, err, out, outcomes, readable_db, settings
from ecei.cli.lazy import OwnArguments
from ecei.cli.sql_answer import STATEMENT_BYTES, answer_script
from ecei.cli.sql_formats import (
    FORMATS,
    MANY_IN_A_FILE,
    SUFFIXES,
    TABLE_MOST,
    TERMINAL_ROWS,
    Hints,
    Sink,
    format_for,
)
from ecei.durable import read_capped
from ecei.outputs.csv_cells import EXCEL_HELP, layout
from ecei.outputs.files import STDOUT, check_output, guard, output_stream
from ecei.query_settings import QuerySettings, query_settings
from warehouse.db import sql_file
from warehouse.query import (
    Part,
    Script,
    split_script,
)

if TYPE_CHECKING:
    from ecei.settings import Settings

HELP = "Query the warehouse read-only: statements, --views or a shell."
# the most a script may hold, from -f FILE or standard input: a /dev/zero must not fill the memory
EPILOG = """\
A query is one read: SELECT, WITH ... SELECT, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, or EXPLAIN
[ANALYZE] in front of one; writes and reads outside the warehouse file are refused. QUERY is one
statement; -f FILE and standard input (-, or a pipe with no QUERY) may hold several, run in order,
each one read: the first refused or failed stops there, named (statement N, line L). Their results
follow one another, a blank line between two tables or CSVs; -o FILE takes several as a table,
.jsonl or .md only. The table fits the terminal: long values are folded (past 200 characters a line
or 50 lines they are cut, marked …), and columns or rows that do not fit are left out with a line
naming them (--format csv or -o FILE gives everything). Rows are written as they come: memory stays
bounded whatever their number, and ECEI_SQL_TIMEOUT counts the whole answer, writing it included.

exit codes: 0 ok, 1 SQL error, a statement that does not parse included (or a query stopped at
ECEI_SQL_TIMEOUT / ECEI_SQL_MEMORY_LIMIT), 2 refused statement, missing warehouse or usage error
(a -f FILE or standard input over 1 MiB or holding no statement too), 4 the warehouse stayed busy
(ECEI_BUSY_TIMEOUT; only with --live, or before anything was published: the published copy is never
busy).
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
    ap.add_argument(
        "query",
        nargs="?",
        metavar="QUERY|-",
        help="the statement, or - to run the statements of standard input (a pipe needs no -)",
    )
    ap.add_argument("-f", "--file", metavar="FILE", type=Path, help="run the statements of FILE, in order")
    ap.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the result to FILE instead of standard output (in the shell: every result); its suffix "
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
    # `echo "select 42;" | ecei sql`: a pipe with no query is a script, as `ecei sql -` reads it
    piped = not given and not shell and not sys.stdin.isatty()
    if not given and not shell and not piped:
        raise UsageError("give a QUERY, - to read it from standard input, or -f FILE (alone on a terminal: the shell)")
    if a.excel and (shell or fmt not in ("csv", "tsv")):
        raise UsageError("--excel lays out a CSV or TSV result: give --format csv or tsv (or -o FILE.csv)")
    chosen_layout = layout(a.excel)
    target = _output(a.output)
    # what to run, read before the warehouse is looked for: an empty script is a usage error wherever it runs
    script, source = (None, "") if shell else _script(a.query if not piped else "-", a.file, a.views)
    chosen: QuerySettings | Settings = query_settings(a.db) or settings(db=a.db)
    path = readable_db(chosen, a.live)
    guarded = guard(chosen.db, a.file)
    if target is not None:
        with outcomes():  # before the query runs: an -o that names an input is refused, nothing written
            check_output(target, guarded, "-o")
    if shell:
        from ecei.cli.sql_shell import run_shell

        to_file = None if target is None or str(target) == STDOUT else target
        raise typer.Exit(run_shell(chosen, path, fmt, a.max_rows, interactive=interactive, output=to_file))
    assert script is not None  # read above for everything but the shell
    if target is not None and str(target) != STDOUT and script.several and fmt not in MANY_IN_A_FILE:
        raise UsageError(
            f"-o {target}: a {fmt} file holds one result, and {source} holds several statements "
            "(write them to a table, .jsonl or .md file, or one statement a run)"
        )
    if target is None or str(target) == STDOUT:
        max_rows = a.max_rows if a.max_rows is not None else (TERMINAL_ROWS if out.is_terminal else None)
        answer_script(
            chosen,
            path,
            script,
            Sink(fmt, sys.stdout, out, True, max_rows, Hints(), layout=chosen_layout).write,
            source,
        )
        return
    # written whole by ecei.outputs.files: a failure of a query or of the disk leaves no half file, an input
    # is never replaced
    with outcomes(), output_stream(target, guarded, "-o") as stream:
        sink = Sink.to_file(fmt, stream, Hints(), layout=chosen_layout)
        answer_script(chosen, path, script, sink.write, source)
    err.print(_written(sink, fmt, target), highlight=False, markup=False)


def _written(sink: Sink, fmt: str, target: Path) -> str:
    """What -o FILE holds, in a line."""
    cut = fmt == "table" and sink.largest > TABLE_MOST
    if sink.results > 1:
        said = f"{sink.results} results, {sink.rows:,} rows written to {target}"
        return said + (f" (a table holds the first {TABLE_MOST:,} rows of each; .jsonl writes them all)" if cut else "")
    if cut:
        said = f"{sink.rows:,} rows, the first {TABLE_MOST:,} written to {target} as a table"
        return said + " (--format csv writes them all)"
    return f"{sink.rows:,} rows written to {target}"


def _script(query: str | None, file: Path | None, views: bool) -> tuple[Script, str]:
    """The statements to run and where they come from: the argument (one statement, as given),
    --views, or every statement of -f FILE or standard input, as DuckDB's parser cuts them."""
    if views:
        return Script([Part(sql_file("public_objects.sql"), 1)]), "--views"
    if file is None and query != "-":
        assert query is not None
        return Script([Part(query, 1)]), "QUERY"
    named = f"-f {file}" if file is not None else "standard input"
    script = split_script(_text(file))
    if not script.parts and script.broken is None:
        hint = "" if file is not None else " (give a QUERY or -f FILE; alone on a terminal, `ecei sql` opens the shell)"
        raise UsageError(f"{named} holds no statement{hint}")
    return script, str(file) if file is not None else named


def _text(file: Path | None) -> str:
    """The text of -f FILE or of standard input, read with a cap."""
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


sql_command = OwnArguments("sql", run, help=HELP)

__all__ = ["run", "sql_command"]
