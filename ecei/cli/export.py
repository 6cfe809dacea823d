"""`ecei export`: every public view, one file each, written by DuckDB from a read-only warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ecei.cli.kit import DbOption, LiveOption, cell, outcomes, readable_db, settings
from ecei.cli.tables import print_table
from ecei.outputs.csv_cells import EXCEL_HELP
from ecei.outputs.export import FORMATS, export_views
from ecei.outputs.formats import REGISTRY, choices


def export_command(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write one file per view into (created if missing)")],
    fmt: Annotated[str, typer.Option("--format", help=f"{choices(FORMATS)} (any case)")] = FORMATS[0],
    db: DbOption = None,
    live: LiveOption = False,
    excel: Annotated[bool, typer.Option("--excel", help=f"With --format csv: {EXCEL_HELP}")] = False,
) -> None:
    """Export every public view, one file each, written by DuckDB (the warehouse is opened read-only).

    Timestamps carry their zone: `2018-10-15T09:30:00Z` in CSV and JSON, TIMESTAMP WITH TIME ZONE in Parquet.
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose {', '.join(FORMATS)}", param_hint="--format")
    if excel and not REGISTRY[fmt].delimited:
        raise typer.BadParameter("it lays out a CSV file: give --format csv as well", param_hint="--excel")
    chosen = settings(db=db)
    path = readable_db(chosen, live)
    with outcomes():
        written = export_views(path, out_dir, fmt, chosen.busy_timeout, excel)
    table = Table("view", "file", "rows", title=f"exported as {fmt}")
    for item in written:
        table.add_row(item.view, cell(item.path), str(item.rows))
    print_table(table)
