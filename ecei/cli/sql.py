"""`ecei sql`: one read-only query against the warehouse, printed as a table, CSV or JSON."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ecei.cli.kit import DbOption, cell, existing_db, json_text, out, outcomes, settings, visible
from warehouse.query import QueryOutOfMemory, QueryStopped, run_query


def sql_command(
    query: Annotated[str, typer.Argument(help="One read-only SQL statement, e.g. select * from clusters_current")],
    db: DbOption = None,
    output: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
) -> None:
    """Run a read-only query against the warehouse (writes and outside access are refused)."""
    if output not in ("table", "csv", "json"):
        raise typer.BadParameter("choose table, csv or json", param_hint="--format")
    chosen = settings(db=db)
    path = existing_db(chosen)
    # a SQL error is the user's to fix: say it plainly, no traceback
    with outcomes(failed="query failed", detail=_why):
        columns, rows = run_query(
            path,
            query,
            busy_timeout=chosen.busy_timeout,
            timeout=chosen.sql_timeout,
            memory_limit=chosen.sql_memory_limit,
        )
    _print_rows(columns, rows, output)


def _why(exc: Exception) -> str:
    """A failed query in one line, naming the setting that stopped it."""
    if isinstance(exc, QueryStopped):
        return f"{exc} (ECEI_SQL_TIMEOUT)"
    if isinstance(exc, QueryOutOfMemory):
        return f"{exc} (ECEI_SQL_MEMORY_LIMIT)"
    return str(exc)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _print_rows(columns: list[str], rows: list[tuple[Any, ...]], output: str) -> None:
    if output == "json":
        typer.echo(json_text([dict(zip(columns, r, strict=True)) for r in rows], default=_jsonable))
    elif output == "csv":
        import csv
        import sys

        writer = csv.writer(sys.stdout, lineterminator="\n")
        # CSV to a terminal is a terminal: control characters shown, as in the table
        writer.writerow([visible(c) for c in columns])
        writer.writerows([None if v is None else visible(str(v)) for v in r] for r in rows)
    else:
        table = Table()
        for c in columns:
            table.add_column(cell(c))
        for r in rows:
            table.add_row(*(Text("" if v is None else visible(str(v))) for v in r))
        out.print(table)
