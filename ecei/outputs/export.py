"""Export every public view of the warehouse, one file per view, written by DuckDB itself.

The formats are the registry's EXPORT ones (ecei.outputs.formats), each written by DuckDB's COPY
from a select that shapes every value as ecei writes it everywhere (ecei.outputs.cells): in CSV and
JSON a timestamp as `2018-10-15T09:30:00Z` (UTC to the second), a list or a struct in a CSV cell as
JSON (`["ICT","Health"]`), a text in a CSV cell safe for a spreadsheet (ecei.outputs.csv_cells);
Parquet keeps real types, a timestamp as TIMESTAMP WITH TIME ZONE (the warehouse's naive UTC values
read as UTC). How a CSV file is laid out is csv_cells' too (`excel`: a byte-order mark first and CRLF
line ends).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ecei.outputs import formats
from ecei.outputs.cells import columns_as, quoted
from ecei.outputs.csv_cells import Layout, layout
from ecei.outputs.files import check_folder, check_output, guard, output_file
from warehouse.db import open_when_free, transaction

FORMATS = formats.EXPORT


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


def view_select(con: duckdb.DuckDBPyConnection, view: str, fmt: str) -> str:
    """`select ... from <view>` with each value as the format writes it (ecei.outputs.cells)."""
    described = con.execute(f"describe select * from {quoted(view)}").fetchall()
    return f"select {columns_as(described, formats.REGISTRY[fmt].cells)} from {quoted(view)}"


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
    """Write `<view><suffix>` (`clusters_current.csv`) into `out_dir` for every public view; returns
    what was written. `excel` lays a CSV out for a spreadsheet (ecei.outputs.csv_cells.layout)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    chosen_format = formats.REGISTRY[fmt]
    if excel and not chosen_format.delimited:
        raise ValueError("excel lays out a CSV file: only with the csv format")
    suffix, options = chosen_format.suffix, chosen_format.copy or ""
    chosen: Layout = layout(excel)
    if chosen_format.delimited:
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
            check_output(out_dir / f"{view}{suffix}", guarded, "OUT_DIR")
        with transaction(con):  # one snapshot: the files agree with each other
            for view in views:
                target = out_dir / f"{view}{suffix}"
                with output_file(target, guarded, "OUT_DIR") as partial:
                    # the view's name and columns come from the catalog; the path is a parameter
                    con.execute(f"copy ({view_select(con, view, fmt)}) to $path ({options})", {"path": str(partial)})
                    _begin_with(partial, chosen.start if chosen_format.delimited else "")
                (rows,) = con.execute("select count(*) from query_table(?)", [view]).fetchone() or (0,)
                written.append(Exported(view, target, rows))
        return written
    finally:
        con.close()
