"""`ecei backfill`: load the site's pages found in WARC files, or in a web archive, as runs at their capture times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypedDict

import typer

from ecei.cli.kit import (
    DbOption,
    JsonOption,
    StartUrlOption,
    err,
    json_text,
    outcomes,
    parse_day,
    settings,
    shown,
    with_type,
)
from ecei.cli.replay import log_run, print_replay, run_document
from ecei.moments import Edge

if TYPE_CHECKING:
    from ecei.rebuild.wayback import Progress, WaybackResult
    from ecei.settings import Settings


def _parse_day(value: str | None, option: str, edge: Edge) -> dt.date | None:
    return None if value is None else parse_day(value, option, edge)


def backfill_command(
    warcs: Annotated[
        list[Path] | None,
        typer.Argument(help="WARC files (.warc or .warc.gz) holding captures of the site", exists=True, dir_okay=False),
    ] = None,
    wayback: Annotated[
        bool,
        typer.Option("--wayback", help="Read every capture of the site from the web archive at ECEI_WAYBACK_URL"),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="With --wayback: the first capture day (a year, a month, a day or a time ago: 2016, 2016-06, 6m)",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", help="With --wayback: the last capture day (a year or a month stands for its last day)"
        ),
    ] = None,
    db: DbOption = None,
    into: Annotated[
        Path | None, typer.Option("--into", help="Write the result to a new file instead of the warehouse")
    ] = None,
    start_url: StartUrlOption = None,
    keep_backup: Annotated[bool, typer.Option("--keep-backup", help="Keep the old file as <db>.replay-backup")] = False,
    as_json: JsonOption = False,
) -> None:
    """Load the overview and country pages found in WARC files, or in a web archive, as runs at their capture times.

    From WARC files, each UTC day with an overview capture becomes a run (partial when country pages are
    missing). With --wayback, the archive's index (ECEI_WAYBACK_URL, default the Internet Archive) lists
    the captures since --since and until --until; each is fetched once, within the archive's limits
    unless ECEI_POLITE=false, and kept as it arrives (a killed backfill resumes where it stopped); each
    day's overview capture becomes a run with the country pages captured nearest to it within
    ECEI_WAYBACK_WINDOW_DAYS. The history is then replayed in time order, in place unless --into is given.
    Exit codes: 0 done (or nothing new), 1 failed (the warehouse keeps the captures read so far), 2 refused, 4 busy.
    """
    first, last = _parse_day(since, "--since", Edge.START), _parse_day(until, "--until", Edge.END)
    if wayback == bool(warcs):
        raise typer.BadParameter("give WARC files or --wayback (one of the two)", param_hint="WARCS")
    if not wayback and (first or last):
        raise typer.BadParameter("--since and --until choose captures of the web archive: use them with --wayback")
    if wayback and into is not None:
        raise typer.BadParameter("--wayback keeps its captures in the warehouse: it backfills in place")
    chosen = settings(db=db, start_url=start_url)
    if wayback:
        _wayback(chosen, first, last, as_json)
        return
    from ecei.rebuild.backfill import backfill  # Scrapy and warcio: only when the command runs

    with outcomes(failed="failed", detail=with_type):
        result = backfill(
            Path(chosen.db),
            list(warcs or []),
            chosen.start_url,
            into=into,
            lock_wait=chosen.lock_wait,
            busy_timeout=chosen.busy_timeout,
            keep_backup=keep_backup,
            on_run=log_run(as_json),
            max_rejected_share=chosen.max_rejected_share,
        )
    for why in result.skipped:
        err.print(f"[dim]skipped: {shown(why)}[/dim]", highlight=False)
    if result.replay is None:
        if as_json:
            typer.echo(json_text({"captures": result.captures, "new_runs": 0, "skipped": result.skipped}))
        else:
            err.print(f"{result.captures} captures read; nothing new to add")
        return
    if not as_json:
        err.print(f"{result.captures} captures read; {len(result.runs)} new runs")
    print_replay(result.replay, as_json, "backfilled")


STEPS = ("listed", "fetched", "reused", "skipped", "loaded")


@contextmanager
def _progress(show: bool) -> Iterator[Progress | None]:
    """A bar of counts over the captures (only on a terminal): a log gets the summary alone."""
    if not show:
        yield None
        return
    from rich.progress import Progress as Bar
    from rich.progress import SpinnerColumn, TextColumn

    with Bar(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed}"), console=err) as bar:
        tasks = {step: bar.add_task(f"captures {step}" if step != "loaded" else "runs loaded") for step in STEPS}
        yield lambda step, n: bar.advance(tasks[step], n)


def _wayback(chosen: Settings, since: dt.date | None, until: dt.date | None, as_json: bool) -> None:
    from ecei.rebuild.wayback import backfill_wayback  # Scrapy: only when the command runs

    with outcomes(failed="failed", detail=with_type), _progress(err.is_terminal and not as_json) as on_progress:
        result = backfill_wayback(chosen, since, until, on_progress=on_progress, on_run=log_run(as_json))
    figures = summary(result)
    if as_json:
        replayed = result.backfill.replay
        runs = [run_document(r) for r in replayed.runs] if replayed else []
        typer.echo(json_text({**figures, "runs": runs}))
        return
    skipped = ", ".join(f"{reason}: {n}" for reason, n in sorted(figures["skipped"].items())) or "none"
    err.print(
        f"captures: {result.listed} listed ({result.known} kept before), {result.fetched} fetched, "
        f"{result.reused} unchanged (same digest, not fetched again); skipped: {skipped}",
        highlight=False,
    )
    requests = result.requests
    err.print(
        f"archive requests: {requests.get('cdx', 0)} to the index, {requests.get('capture', 0)} to captures; "
        f"{result.refusals} answered 429 and waited out",
        highlight=False,
    )
    if result.backfill.replay is None:
        err.print("nothing new to add", highlight=False)
        return
    years = ", ".join(f"{year}: {n}" for year, n in figures["runs_by_year"].items())
    partial = f" ({result.runs_partial} lacking a country page)" if result.runs_partial else ""
    err.print(f"{len(result.backfill.runs)} new runs{partial}; by year: {years}", highlight=False)
    print_replay(result.backfill.replay, False, "backfilled")


class WaybackSummary(TypedDict):
    listed: int
    kept_before: int
    fetched: int
    unchanged: int
    skipped: dict[str, int]  # by reason
    requests: dict[str, int]  # by kind: cdx, capture
    refusals: int
    new_runs: int
    runs_partial: int
    runs_by_year: dict[int, int]


def summary(result: WaybackResult) -> WaybackSummary:
    """What a Wayback backfill did, as its --json output and its summary lines tell it."""
    return {
        "listed": result.listed,
        "kept_before": result.known,
        "fetched": result.fetched,
        "unchanged": result.reused,
        "skipped": dict(result.skipped),
        "requests": result.requests,
        "refusals": result.refusals,
        "new_runs": len(result.backfill.runs),
        "runs_partial": result.runs_partial,
        "runs_by_year": result.runs_by_year,
    }
