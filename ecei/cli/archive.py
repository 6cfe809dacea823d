"""`ecei archive list|show`: what the refreshes fetched, every page with its status and its body."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from ecei.cli.kit import (
    DbOption,
    JsonOption,
    err,
    existing_db,
    finish,
    json_text,
    outcomes,
    run_option,
    settings,
    shown,
    with_type,
)
from ecei.cli.tables import print_table
from ecei.outcome import Status
from ecei.rebuild.archive import ArchiveListing, kept_body, list_pages

archive_app = typer.Typer(help="What the refreshes fetched: every page, its status and its body.", no_args_is_help=True)

RunOption = Annotated[int | None, run_option("Only this run")]


@archive_app.command("list")
def list_command(db: DbOption = None, run: RunOption = None, as_json: JsonOption = False) -> None:
    """List the kept pages: run, fetch time, kind, status, size and URL of every answer."""
    chosen = settings(db=db)
    existing_db(chosen)
    with outcomes(failed="failed", detail=with_type):
        listing = list_pages(chosen, run)
    if as_json:
        typer.echo(json_text([asdict(p) for p in listing.pages]))
        return
    _print_listing(listing)


def _print_listing(listing: ArchiveListing) -> None:
    table = Table("run", "#")
    table.add_column("fetched at (UTC)", no_wrap=True)
    for name in ("kind", "status", "bytes"):
        table.add_column(name)
    table.add_column("url", overflow="fold")
    for p in listing.pages:
        status = str(p.status) if p.status is not None else f"[red]{shown(str(p.error))}[/red]"
        size = "" if p.size is None else str(p.size)
        table.add_row(str(p.run_id), str(p.seq), str(p.fetched_at)[:19], p.kind, status, size, shown(p.url))
    print_table(table, "`--json`")
    s = listing.storage
    if s is not None:
        err.print(
            f"{s.answers} answers kept from {s.runs} runs; {s.bodies} distinct bodies, "
            f"{s.bytes_fetched} bytes as fetched, {s.bytes_stored} bytes stored"
        )


@archive_app.command("show")
def show_command(
    url: Annotated[str, typer.Argument(help="The page's URL, as `ecei archive list` shows it")],
    db: DbOption = None,
    run: Annotated[int | None, run_option("As fetched by this run [default: the latest]")] = None,
) -> None:
    """Print a kept body to stdout, byte for byte (the latest fetch of URL, or the one of --run)."""
    chosen = settings(db=db)
    existing_db(chosen)
    with outcomes():
        found = kept_body(chosen, url, run)
    if found is None:
        where = f" in run {run}" if run is not None else ""
        err.print(f"[red]no kept body for {shown(url)}{where}[/red]: see `ecei archive list`", highlight=False)
        finish(Status.REFUSED)
    err.print(f"[dim]run {found.run_id}, HTTP {found.status}[/dim]")
    sys.stdout.buffer.write(found.body)
    sys.stdout.buffer.flush()
