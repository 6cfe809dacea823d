"""The commands of the page archive: `ecei archive list|show`, `ecei replay` and `ecei backfill`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ecei.settings import Settings
from warehouse.archive import find_body
from warehouse.db import WarehouseBusy, open_when_free

if TYPE_CHECKING:  # replay brings Scrapy with it: imported when a command needs it, not for --help
    from ecei.replay import ReplayedRun, ReplayResult

archive_app = typer.Typer(help="What the refreshes fetched: every page, its status and its body.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[Path | None, typer.Option("--db", help="Warehouse file [env ECEI_DB, default ./ecei.duckdb]")]
EXIT_REFUSED, EXIT_BUSY = 2, 4


def _settings(db: Path | None) -> Settings:
    return Settings(db=db) if db is not None else Settings()


def _existing_db(db: Path | None) -> Settings:
    settings = _settings(db)
    if not Path(settings.db).exists():
        err.print(f"[red]no warehouse at {settings.db}[/red]: run `ecei refresh` first, or pass --db")
        raise typer.Exit(EXIT_REFUSED)
    return settings


def _read(settings: Settings, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    try:
        con = open_when_free(settings.db, settings.busy_timeout, read_only=True)
    except WarehouseBusy as exc:
        err.print(f"[yellow]busy:[/yellow] {escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_BUSY) from None
    except Exception as exc:  # the rebuild went to a file of its own: the warehouse is as it was
        err.print(f"[red]failed:[/red] {escape(f'{type(exc).__name__}: {exc}')}", highlight=False)
        raise typer.Exit(1) from None
    try:
        has_archive = con.execute("select count(*) from duckdb_views() where view_name = 'archived_pages'").fetchone()
        if not has_archive or not has_archive[0]:
            return []  # a warehouse no refresh has opened since the archive came: nothing kept yet
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _read_body(settings: Settings, url: str, run: int | None) -> tuple[int, int, bytes] | None:
    try:
        con = open_when_free(settings.db, settings.busy_timeout, read_only=True)
    except WarehouseBusy as exc:
        err.print(f"[yellow]busy:[/yellow] {escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_BUSY) from None
    try:
        return find_body(con, url, run) if _has_archive(con) else None
    finally:
        con.close()


def _has_archive(con: duckdb.DuckDBPyConnection) -> bool:
    # a warehouse no refresh has opened since the archive came has no archive tables yet
    found = con.execute("select count(*) from duckdb_views() where view_name = 'archived_pages'").fetchone()
    return bool(found and found[0])


@archive_app.command("list")
def list_command(
    db: DbOption = None,
    run: Annotated[int | None, typer.Option("--run", help="Only this run")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array of objects")] = False,
) -> None:
    """List the kept pages: run, fetch time, kind, status, size and URL of every answer."""
    settings = _existing_db(db)
    columns = ["run_id", "source", "seq", "fetched_at", "kind", "status", "size", "stored_size", "sha256", "url"]
    rows = _read(
        settings,
        f"select {', '.join(columns)}, error from archived_pages "
        "where ?::integer is null or run_id = ? order by run_id, seq",
        [run, run],
    )
    if as_json:
        records = [dict(zip([*columns, "error"], r, strict=True)) for r in rows]
        typer.echo(json.dumps(records, default=str, ensure_ascii=False))
        return
    table = Table("run", "#")
    table.add_column("fetched at (UTC)", no_wrap=True)
    for name in ("kind", "status", "bytes"):
        table.add_column(name)
    table.add_column("url", overflow="fold")
    for r in rows:
        status = str(r[5]) if r[5] is not None else f"[red]{escape(str(r[10]))}[/red]"
        size = "" if r[6] is None else str(r[6])
        table.add_row(str(r[0]), str(r[2]), str(r[3])[:19], r[4], status, size, escape(r[9]))
    Console().print(table)
    totals = _read(settings, "select * from archive_storage", [])
    if totals:
        answers, runs, bodies, fetched, stored = totals[0]
        err.print(
            f"{answers} answers kept from {runs} runs; {bodies} distinct bodies, "
            f"{fetched} bytes as fetched, {stored} bytes stored"
        )


@archive_app.command("show")
def show_command(
    url: Annotated[str, typer.Argument(help="The page's URL, as `ecei archive list` shows it")],
    db: DbOption = None,
    run: Annotated[int | None, typer.Option("--run", help="As fetched by this run [default: the latest]")] = None,
) -> None:
    """Print a kept body to stdout, byte for byte (the latest fetch of URL, or the one of --run)."""
    settings = _existing_db(db)
    found = _read_body(settings, url, run)
    if found is None:
        where = f" in run {run}" if run is not None else ""
        err.print(f"[red]no kept body for {escape(url)}{where}[/red]: see `ecei archive list`", highlight=False)
        raise typer.Exit(EXIT_REFUSED)
    run_id, status, body = found
    err.print(f"[dim]run {run_id}, HTTP {status}[/dim]")
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()


def _print_replay(result: ReplayResult, as_json: bool, what: str) -> None:
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "target": str(result.target),
                    "backup": str(result.backup) if result.backup else None,
                    "seconds": round(result.seconds, 3),
                    "runs": [vars(r) for r in result.runs],
                },
                default=str,
            )
        )
        return
    table = Table(
        "run",
        "was",
        "started at (UTC)",
        "source",
        "status",
        "added",
        "changed",
        "removed",
        "rejected",
        title=f"{what} into {result.target}",
    )
    for r in result.runs:
        table.add_row(
            str(r.run_id),
            "-" if r.old_run_id is None else str(r.old_run_id),
            str(r.started_at)[:19],
            r.source,
            r.status,
            *("" if v is None else str(v) for v in (r.added, r.changed, r.removed, r.rows_rejected)),
        )
    Console().print(table)
    err.print(
        f"{len(result.runs)} runs in {result.seconds:.2f} s"
        + (f"; old file kept as {result.backup}" if result.backup else "")
    )


def _log_run(quiet: bool) -> Any:
    def on_run(run: ReplayedRun) -> None:
        if not quiet:
            err.print(f"run {run.run_id} ({run.source}, {str(run.started_at)[:19]}): {run.status}")

    return on_run


def replay_command(
    db: DbOption = None,
    into: Annotated[
        Path | None, typer.Option("--into", help="New warehouse file [default: <db>.replayed.duckdb]")
    ] = None,
    in_place: Annotated[bool, typer.Option("--in-place", help="Replace the warehouse itself, atomically")] = False,
    keep_backup: Annotated[
        bool, typer.Option("--keep-backup", help="With --in-place: keep the old file as <db>.replay-backup")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object")] = False,
) -> None:
    """Rebuild the history by re-reading every archived run, in time order, with today's code.

    Exit codes: 0 done, 1 the rebuild failed (the warehouse is untouched), 2 refused, 4 busy.
    """
    from ecei.replay import replay

    settings = _existing_db(db)
    result = _run(
        lambda: replay(
            Path(settings.db),
            into=into,
            in_place=in_place,
            lock_wait=settings.lock_wait,
            busy_timeout=settings.busy_timeout,
            keep_backup=keep_backup,
            on_run=_log_run(as_json),
        )
    )
    _print_replay(result, as_json, "replayed")


def backfill_command(
    warcs: Annotated[
        list[Path],
        typer.Argument(help="WARC files (.warc or .warc.gz) holding captures of the site", exists=True, dir_okay=False),
    ],
    db: DbOption = None,
    into: Annotated[
        Path | None, typer.Option("--into", help="Write the result to a new file instead of the warehouse")
    ] = None,
    start_url: Annotated[
        str | None, typer.Option(help="The overview page whose captures to read [env ECEI_START_URL]")
    ] = None,
    keep_backup: Annotated[bool, typer.Option("--keep-backup", help="Keep the old file as <db>.replay-backup")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object")] = False,
) -> None:
    """Load the overview and country pages found in WARC files as runs at their capture times.

    Each UTC day with an overview capture becomes a run (partial when country pages are missing);
    the history is then replayed in time order, in place unless --into is given.
    Exit codes: 0 done (or nothing new), 1 the rebuild failed (the warehouse is untouched), 2 refused, 4 busy.
    """
    from ecei.backfill import backfill

    base = _settings(db)
    settings = base.model_copy(update={"start_url": start_url}) if start_url else base
    result = _run(
        lambda: backfill(
            Path(settings.db),
            list(warcs),
            settings.start_url,
            into=into,
            lock_wait=settings.lock_wait,
            busy_timeout=settings.busy_timeout,
            keep_backup=keep_backup,
            on_run=_log_run(as_json),
        )
    )
    for why in result.skipped:
        err.print(f"[dim]skipped: {escape(why)}[/dim]", highlight=False)
    if result.replay is None:
        if as_json:
            typer.echo(json.dumps({"captures": result.captures, "new_runs": 0, "skipped": result.skipped}))
        else:
            err.print(f"{result.captures} captures read; nothing new to add")
        return
    if not as_json:
        err.print(f"{result.captures} captures read; {len(result.runs)} new runs")
    _print_replay(result.replay, as_json, "backfilled")


def _run(job: Any) -> Any:
    from ecei.replay import ReplayBusy, ReplayRefused

    try:
        return job()
    except ReplayRefused as exc:
        err.print(f"[red]refused:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_REFUSED) from None
    except (ReplayBusy, WarehouseBusy) as exc:
        err.print(f"[yellow]busy:[/yellow] {escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_BUSY) from None
    except Exception as exc:  # the rebuild went to a file of its own: the warehouse is as it was
        err.print(f"[red]failed:[/red] {escape(f'{type(exc).__name__}: {exc}')}", highlight=False)
        raise typer.Exit(1) from None
