"""The `ecei` command: refresh the warehouse and query it."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ecei.alerts_cli import alerts_command
from ecei.archive_cli import archive_app, backfill_command, replay_command
from ecei.identity_cli import link_command, print_link_decisions, unlink_command
from ecei.mirror import SNAPSHOTS, demo_site, serve
from ecei.refresh import Event, RefreshResult, refresh
from ecei.report_cli import check_command, export_command, history_command, report_command
from ecei.serve_cli import serve_command
from ecei.settings import Settings
from warehouse.db import WarehouseBusy
from warehouse.query import QueryRefused, run_query

app = typer.Typer(
    help="Watch the ECEI Bronze Label database and keep its full history in DuckDB.",
    no_args_is_help=True,
    rich_markup_mode=None,  # help texts hold [brackets] (env names, defaults) that are not markup
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)  # messages stay whole lines, for logs and grep

DbOption = Annotated[Path | None, typer.Option("--db", help="Warehouse file [env ECEI_DB, default ./ecei.duckdb]")]


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


@app.command("refresh")
def refresh_command(
    start_url: Annotated[
        str | None, typer.Option(help="Overview page to start from [env ECEI_START_URL, default the live site]")
    ] = None,
    db: DbOption = None,
    demo: Annotated[bool, typer.Option(help="Crawl the bundled demo mirror, served on loopback")] = False,
    demo_snapshot: Annotated[str, typer.Option(help=f"Demo snapshot to serve: {', '.join(SNAPSHOTS)}")] = "2018-10",
    as_json: Annotated[bool, typer.Option("--json", help="Print the run's figures as one JSON object")] = False,
) -> None:
    """Crawl the site and merge what it lists into the warehouse.

    Exit codes: 0 complete, 1 failed (nothing written), 3 partial (loaded what it saw, closed
    nothing), 4 busy (another refresh holds the warehouse).
    """
    with ExitStack() as stack:
        if demo:
            try:
                folder = demo_site(demo_snapshot)
            except ValueError as exc:
                raise typer.BadParameter(str(exc), param_hint="--demo-snapshot") from exc
            mirror = stack.enter_context(serve(folder))
            # the demo mirror is ours: no need to be polite to it
            settings = _settings(start_url=mirror.start_url, db=db, polite=False)
            if not as_json:
                err.print(f"[dim]serving demo snapshot {demo_snapshot} at {mirror.start_url}[/dim]")
        else:
            settings = _settings(start_url=start_url, db=db)
        result = _run_with_progress(settings, quiet=as_json)
    if as_json:
        typer.echo(json.dumps(_result_dict(result), default=str))
    else:
        _print_summary(result)
    raise typer.Exit(result.exit_code)


def _run_with_progress(settings: Settings, quiet: bool) -> RefreshResult:
    if quiet or not err.is_terminal:
        return refresh(settings, on_event=None if quiet else _log_event)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("overview", total=None)

        def on_event(event: Event) -> None:
            if event["event"] == "overview":
                progress.update(task, description="country pages", total=event["countries"], completed=0)
            elif event["event"] == "page":
                progress.advance(task)

        return refresh(settings, on_event=on_event)


def _log_event(event: Event) -> None:
    if event["event"] == "overview":
        err.print(f"overview: {event['countries']} countries, stated total {event['stated']}")
    elif event["event"] == "page" and not event.get("ok"):
        err.print(f"[yellow]page failed[/yellow] {escape(event['url'])}: {escape(str(event.get('reason')))}")


def _result_dict(result: RefreshResult) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "status": result.status,
        "exit_code": result.exit_code,
        "db": result.db,
        "message": result.message,
        "abandoned_runs": result.abandoned_runs,
        **vars(result.figures),
        "link_decisions": result.link_decisions,
    }


def _print_summary(result: RefreshResult) -> None:
    out = Console()
    f = result.figures
    colour = {"ok": "green", "partial": "yellow", "failed": "red", "busy": "yellow"}[result.status]
    table = Table(title=f"refresh run {result.run_id if result.run_id is not None else '-'}", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("status", f"[{colour}]{result.status}[/{colour}]")
    table.add_row("warehouse", result.db)
    table.add_row("pages fetched / failed", f"{f.pages_fetched} / {f.pages_failed}")
    table.add_row("countries loaded / listed", f"{f.countries_loaded} / {f.countries_listed}")
    table.add_row(
        "rows seen / stated total", f"{f.rows_seen} / {f.stated_total if f.stated_total is not None else '?'}"
    )
    table.add_row("rows loaded", str(f.rows_loaded))
    table.add_row("exact duplicates", str(f.rows_duplicate))
    table.add_row("rejected (quarantined)", str(f.rows_rejected))
    table.add_row("websites unusable (stored NULL)", str(f.websites_invalid))
    table.add_row("added / changed / removed / renamed", f"{f.added} / {f.changed} / {f.removed} / {f.renamed}")
    if f.new_portfolios:
        table.add_row("new portfolios", ", ".join(f.new_portfolios))
    if result.abandoned_runs:
        table.add_row("abandoned runs marked failed", ", ".join(map(str, result.abandoned_runs)))
    out.print(table)
    print_link_decisions(result.link_decisions, out)
    if result.message:
        err.print(f"[{colour}]{result.status}:[/{colour}] {escape(result.message)}", highlight=False)


@app.command("sql")
def sql_command(
    query: Annotated[str, typer.Argument(help="One read-only SQL statement, e.g. select * from clusters_current")],
    db: DbOption = None,
    output: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
) -> None:
    """Run a read-only query against the warehouse (writes and outside access are refused)."""
    if output not in ("table", "csv", "json"):
        raise typer.BadParameter("choose table, csv or json", param_hint="--format")
    settings = _settings(db=db)
    if not Path(settings.db).exists():
        err.print(f"[red]no warehouse at {settings.db}[/red]: run `ecei refresh` first, or pass --db")
        raise typer.Exit(2)
    try:
        columns, rows = run_query(settings.db, query, busy_timeout=settings.busy_timeout)
    except QueryRefused as exc:
        err.print(f"[red]refused:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    except WarehouseBusy as exc:
        err.print(f"[yellow]busy:[/yellow] {escape(str(exc))}", highlight=False)
        raise typer.Exit(4) from None
    except Exception as exc:  # a SQL error is the user's to fix: say it plainly, no traceback
        err.print(f"[red]query failed:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    _print_rows(columns, rows, output)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _print_rows(columns: list[str], rows: list[tuple[Any, ...]], output: str) -> None:
    if output == "json":
        typer.echo(
            json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=_jsonable, ensure_ascii=False)
        )
    elif output == "csv":
        import csv
        import sys

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = Table(*columns)
        for r in rows:
            table.add_row(*(Text("" if v is None else str(v)) for v in r))
        Console().print(table)


app.command("link")(link_command)
app.command("unlink")(unlink_command)
app.add_typer(archive_app, name="archive")
app.command("replay")(replay_command)
app.command("backfill")(backfill_command)
app.command("report")(report_command)
app.command("export")(export_command)
app.command("history")(history_command)
app.command("check")(check_command)
app.command("alerts")(alerts_command)
app.command("serve")(serve_command)
