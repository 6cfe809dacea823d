"""`ecei release`: a dated folder with the current list and the full history as CSV and Parquet, a
Frictionless datapackage.json, CHANGES.md since the previous release and SHA256SUMS."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ecei import change_kinds
from ecei.cli.kit import DbOption, err, existing_db, outcomes, parse_day, settings, shown
from ecei.cli.tables import print_table
from ecei.moments import stamp
from ecei.outputs.release import ReleaseResult, release


def release_command(
    out_dir: Annotated[Path, typer.Argument(help="Folder of the releases; this one is written to OUT_DIR/<day>/")],
    today: Annotated[
        dt.date | None,
        typer.Option(
            "--today",
            parser=parse_day,
            metavar="YYYY-MM-DD",
            help="The release's day: its folder, its version and the day its labels are judged on; "
            "not before the latest refresh [default: the day of the latest refresh that listed clusters]",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the day's release if it exists (else exit 2)")
    ] = False,
    db: DbOption = None,
) -> None:
    """Release the latest list and the full history into OUT_DIR/<day>/, whole or not at all.

    CSV and Parquet of clusters_current and cluster_history, datapackage.json (Frictionless, with
    each file's schema, size and sha256), CHANGES.md since the latest earlier release in OUT_DIR,
    and SHA256SUMS (`sha256sum -c SHA256SUMS` in the folder). The warehouse is opened read-only.
    """
    chosen = settings(db=db)
    existing_db(chosen)
    with outcomes():
        result = release(chosen, out_dir, today, force)
    _print(result)


def _print(result: ReleaseResult) -> None:
    table = Table("file", "rows", "bytes", "sha256", title=f"release {result.day}")
    for f in result.files:
        table.add_row(f.name, "" if f.rows is None else str(f.rows), str(f.size), f.sha256[:16])
    print_table(table)
    size = sum(f.size for f in result.files)
    if result.changes is None:
        since = "first release"
    else:
        counts = result.changes.counts()
        since = f"since {result.previous.day if result.previous else '?'}: " + ", ".join(
            f"{counts[k.name]} {k.label}" for k in change_kinds.KINDS
        )
    what = "replaced" if result.replaced else "wrote"
    err.print(
        f"{what} {shown(str(result.folder))} ({len(result.files)} files, {size} bytes): the list observed by "
        f"refresh {result.run_id} at {stamp(result.observed_at)}; {since}",
        highlight=False,
    )
