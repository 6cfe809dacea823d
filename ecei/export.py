"""Export every public view of the warehouse, one file per view, written by DuckDB itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.db import open_when_free, transaction

FORMATS: dict[str, tuple[str, str]] = {
    # format -> (file suffix, the COPY of view $view to file $path)
    "parquet": ("parquet", "copy (select * from query_table($view)) to $path (format parquet, compression zstd)"),
    "csv": ("csv", "copy (select * from query_table($view)) to $path (format csv, header true)"),
    "json": ("json", "copy (select * from query_table($view)) to $path (format json, array true)"),
}


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


def export_views(db: Path | str, out_dir: Path, fmt: str, busy_timeout: float) -> list[Exported]:
    """Write `<view>.<suffix>` into `out_dir` for every public view; returns what was written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    suffix, copy = FORMATS[fmt]
    out_dir.mkdir(parents=True, exist_ok=True)
    # its own read-only connection: `ecei sql` refuses COPY, and an export must never write the warehouse
    con = open_when_free(db, busy_timeout, read_only=True)
    try:
        con.execute("set timezone = 'UTC'")
        written = []
        with transaction(con):  # one snapshot: the files agree with each other
            for view in public_views(con):
                target = out_dir / f"{view}.{suffix}"
                partial = target.with_name(target.name + ".part")
                con.execute(copy, {"view": view, "path": str(partial)})
                (rows,) = con.execute("select count(*) from query_table(?)", [view]).fetchone() or (0,)
                partial.replace(target)
                written.append(Exported(view, target, rows))
        return written
    finally:
        con.close()
