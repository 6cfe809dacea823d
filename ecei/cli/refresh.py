"""`ecei refresh`: crawl the site and merge what it lists, with progress, a summary and its exit code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ecei.cli.kit import (
    COLOURS,
    DbOption,
    JsonOption,
    StartUrlOption,
    cell,
    err,
    exit_code,
    finish,
    first_cause,
    json_text,
    out,
    outcomes,
    say,
    settings,
    shown,
    usable_db,
)
from ecei.cli.tables import print_table
from ecei.demo.mirror import SNAPSHOT_DATES, SNAPSHOTS
from ecei.moments import stamp
from ecei.refresh.result import RefreshResult
from ecei.refresh.run import Event, refresh
from ecei.run_figures import summary_rows
from ecei.settings import Settings

DEFAULT_SNAPSHOT = "2018-10"


def refresh_command(
    start_url: StartUrlOption = None,
    db: DbOption = None,
    demo: Annotated[
        bool,
        typer.Option(help="Crawl a bundled demo snapshot served on loopback, recorded at the snapshot's own date"),
    ] = False,
    demo_snapshot: Annotated[
        str | None,
        typer.Option(help=f"With --demo, the snapshot: {', '.join(SNAPSHOTS)} [default: {DEFAULT_SNAPSHOT}]"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Crawl the site and merge what it lists into the warehouse.

    With --demo, a bundled snapshot is recorded at its own date (2016-06-15, 2018-10-15 or
    2021-09-15, 09:00 UTC): onto later history, or onto crawls of a real site, it is refused.
    Exit codes: 0 complete, 1 failed (nothing written), 2 refused (the clock reads earlier than the
    last run; nothing written), 3 partial (loaded what it saw, closed nothing), 4 busy (another
    refresh holds the warehouse).
    """
    if not demo and demo_snapshot is not None:
        raise typer.BadParameter("it needs --demo", param_hint="--demo-snapshot")
    if demo and start_url is not None:
        raise typer.BadParameter("--demo crawls the bundled mirror: give one or the other", param_hint="--start-url")
    snapshot = demo_snapshot or DEFAULT_SNAPSHOT
    if demo and snapshot not in SNAPSHOTS:
        raise typer.BadParameter(f"unknown demo snapshot {snapshot!r}; choose one of {', '.join(SNAPSHOTS)}")
    chosen = settings(start_url=start_url, db=db)
    usable_db(chosen)  # before any lock file or crawl: a --db that cannot be a warehouse is refused
    if demo and not as_json:
        err.print(f"[dim]crawling demo snapshot {snapshot}, recorded at {stamp(SNAPSHOT_DATES[snapshot])}[/dim]")
    # a merge that cannot write (a full disk) rolls back: one line naming the failed write, exit 1
    with outcomes(failed="failed, nothing merged", detail=first_cause):
        result = _run_with_progress(chosen, quiet=as_json, snapshot=snapshot if demo else None)
    if as_json:
        typer.echo(json_text(result_dict(result)))
    else:
        print_summary(result)
        for notice in result.notices:
            err.print(f"[yellow]warning:[/yellow] {shown(notice)}", highlight=False)
    finish(result.status)


def _run_with_progress(chosen: Settings, quiet: bool, snapshot: str | None) -> RefreshResult:
    def run(on_event: Callable[[Event], None] | None) -> RefreshResult:
        if snapshot is None:
            return refresh(chosen, on_event=on_event)
        from ecei.demo.warehouse import demo_refresh  # warcio and Scrapy: only for a demo refresh

        return demo_refresh(chosen, snapshot, on_event=on_event)

    if quiet or not err.is_terminal:
        return run(None if quiet else _log_event)
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

        return run(on_event)


def _log_event(event: Event) -> None:
    if event["event"] == "overview":
        err.print(f"overview: {event['countries']} countries, stated total {event['stated']}")
    elif event["event"] == "page" and not event.get("ok"):
        err.print(f"[yellow]page failed[/yellow] {shown(event['url'])}: {shown(str(event.get('reason')))}")


def result_dict(result: RefreshResult) -> dict[str, Any]:
    """The run as `--json` prints it; `exit_code` is the command's, computed from the status."""
    return {
        "run_id": result.run_id,
        "status": result.status,
        "exit_code": exit_code(result.status),
        "db": result.db,
        "message": result.message,
        "abandoned_runs": result.abandoned_runs,
        **result.shown_figures(),
        "link_decisions": result.link_decisions,
        "notices": result.notices,
    }


def print_summary(result: RefreshResult) -> None:
    """The run's figures as one table, its rename decisions beneath, and how it ended."""
    colour = COLOURS[result.status]
    table = Table(title=f"refresh run {result.run_id if result.run_id is not None else '-'}", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("status", f"[{colour}]{result.status}[/{colour}]")
    table.add_row("warehouse", result.db)
    for label, value in summary_rows(result.shown_figures()):
        table.add_row(label, cell(value))  # a new portfolio's name comes from the site: not markup
    if result.abandoned_runs:
        table.add_row("abandoned runs marked failed", ", ".join(map(str, result.abandoned_runs)))
    print_table(table, "`--json`")
    print_link_decisions(result.link_decisions)
    if result.message:
        say(result.status, result.message)


def print_link_decisions(decisions: list[dict[str, Any]]) -> None:
    """The rename decisions of one refresh, under its summary."""
    if not decisions:
        return
    table = Table("old name", "new name", "decision", "score", "evidence", title="identity: rename decisions")
    for d in decisions:
        verdict = "[green]linked[/green]" if d["linked"] else "[yellow]not linked[/yellow]"
        if d["decided_by"] == "person":
            verdict += " (person)"
        score = "" if d["score"] is None else f"{d['score']:.2f}"
        table.add_row(shown(d["old_name"]), shown(d["new_name"]), verdict, score, shown(d["evidence"]))
    print_table(table, "`--json`")
    if any(not d["linked"] for d in decisions):
        out.print("settle a pair with `ecei link OLD NEW` or undo a link with `ecei unlink OLD NEW`")
