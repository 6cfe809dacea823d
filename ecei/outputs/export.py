"""Export every public view of the warehouse, one file per view, written by DuckDB itself.

Timestamps carry their zone in every format: CSV and JSON write them as ecei writes every timestamp
(ecei.moments.stamp: `2018-10-15T09:30:00Z`, UTC to the second); Parquet keeps a real type,
TIMESTAMP WITH TIME ZONE, the warehouse's naive UTC values read as UTC. A list in a CSV cell is
written as JSON (`["ICT","Health"]`), as `ecei changes` writes one, not as DuckDB's `[ICT, Health]`.
A text in a CSV cell that a spreadsheet would run as a formula is written as ecei.outputs.csv_cells says, and
so is the layout of a CSV file (`excel`: a byte-order mark first and CRLF line ends).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ecei.outputs.csv_cells import Layout, csv_cell_sql, layout
from ecei.outputs.files import check_folder, check_output, guard, output_file
from warehouse.db import open_when_free, transaction

FORMATS: dict[str, tuple[str, str]] = {
    # format -> (file suffix, the COPY options)
    "parquet": ("parquet", "format parquet, compression zstd"),
    "csv": ("csv", "format csv, header true"),
    "json": ("json", "format json, array true"),
}
# ecei.moments.stamp as a DuckDB format: stamp() drops the fraction of a second, and so does %S
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIMESTAMPS = ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")


@dataclass(frozen=True)
class Exported:
    view: str
    path: Path
    rows: int


def public_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The views analysts query (the base tables behind them are private); macros are not views."""
    rows = con.execute(
        "select view_name from duckdb_views() where not internal and schema_name = 'main' order by view_name"
    ).fetchall()
    return [name for (name,) in rows]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def view_select(con: duckdb.DuckDBPyConnection, view: str, fmt: str) -> str:
    """`select ... from <view>` with each timestamp column as the format writes it (see the module)."""
    described = con.execute(f"describe select * from {_quoted(view)}").fetchall()
    return f"select {columns_as(described, fmt)} from {_quoted(view)}"


def columns_as(described: list[tuple[Any, ...]], fmt: str) -> str:
    """The select list that writes the columns `described` (DESCRIBE's rows) as `fmt` does."""
    columns = []
    for name, column_type, *_ in described:
        column = _quoted(name)
        if column_type in _TIMESTAMPS and fmt == "parquet":
            column = f"{column}::timestamptz as {column}"  # the session's zone is UTC
        elif column_type in _TIMESTAMPS:
            column = f"strftime({column}, '{STAMP_FORMAT}') as {column}"
        elif fmt == "csv" and column_type.endswith("[]"):
            column = f"to_json({column})::varchar as {column}"  # a list stays a list in a cell: JSON
        elif fmt == "csv" and column_type == "VARCHAR":
            column = f"{csv_cell_sql(column)} as {column}"  # a text a spreadsheet would run: ecei.outputs.csv_cells
        columns.append(column)
    return ", ".join(columns)


def _begin_with(path: Path, start: str) -> None:
    """`start` in front of what DuckDB wrote to `path` (its COPY has no option for a byte-order mark)."""
    if not start:
        return
    body = path.with_name(path.name + ".body")
    path.rename(body)
    try:
        with path.open("wb") as whole, body.open("rb") as written:
            whole.write(start.encode("utf-8"))
            shutil.copyfileobj(written, whole, 1 << 20)
    finally:
        body.unlink()


def export_views(db: Path | str, out_dir: Path, fmt: str, busy_timeout: float, excel: bool = False) -> list[Exported]:
    """Write `<view>.<suffix>` into `out_dir` for every public view; returns what was written. `excel`
    lays a CSV out for a spreadsheet (ecei.outputs.csv_cells.layout)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if excel and fmt != "csv":
        raise ValueError("excel lays out a CSV file: only with the csv format")
    suffix, options = FORMATS[fmt]
    chosen: Layout = layout(excel)
    if fmt == "csv":
        options += f", {chosen.copy_options()}"
    guarded = guard(db)
    check_folder(out_dir, guarded, "OUT_DIR")
    # its own read-only connection: `ecei sql` refuses COPY, and an export must never write the warehouse
    con = open_when_free(db, busy_timeout, read_only=True)
    try:
        con.execute("set timezone = 'UTC'")
        written = []
        views = public_views(con)
        for view in views:  # every file checked before the first is written: refused means nothing written
            check_output(out_dir / f"{view}.{suffix}", guarded, "OUT_DIR")
        with transaction(con):  # one snapshot: the files agree with each other
            for view in views:
                target = out_dir / f"{view}.{suffix}"
                with output_file(target, guarded, "OUT_DIR") as partial:
                    # the view's name and columns come from the catalog; the path is a parameter
                    con.execute(f"copy ({view_select(con, view, fmt)}) to $path ({options})", {"path": str(partial)})
                    _begin_with(partial, chosen.start if fmt == "csv" else "")
                (rows,) = con.execute("select count(*) from query_table(?)", [view]).fetchone() or (0,)
                written.append(Exported(view, target, rows))
        return written
    finally:
        con.close()
