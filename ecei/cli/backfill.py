"""`ecei backfill`: load the site's pages found in WARC files as runs at their capture times."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecei.cli.kit import DbOption, JsonOption, StartUrlOption, err, json_text, outcomes, settings, shown, with_type
from ecei.cli.replay import log_run, print_replay


def backfill_command(
    warcs: Annotated[
        list[Path],
        typer.Argument(help="WARC files (.warc or .warc.gz) holding captures of the site", exists=True, dir_okay=False),
    ],
    db: DbOption = None,
    into: Annotated[
        Path | None, typer.Option("--into", help="Write the result to a new file instead of the warehouse")
    ] = None,
    start_url: StartUrlOption = None,
    keep_backup: Annotated[bool, typer.Option("--keep-backup", help="Keep the old file as <db>.replay-backup")] = False,
    as_json: JsonOption = False,
) -> None:
    """Load the overview and country pages found in WARC files as runs at their capture times.

    Each UTC day with an overview capture becomes a run (partial when country pages are missing);
    the history is then replayed in time order, in place unless --into is given.
    Exit codes: 0 done (or nothing new), 1 the rebuild failed (the warehouse is untouched), 2 refused, 4 busy.
    """
    from ecei.backfill import backfill  # Scrapy and warcio: only when the command runs

    chosen = settings(db=db, start_url=start_url)
    with outcomes(failed="failed", detail=with_type):
        result = backfill(
            Path(chosen.db),
            list(warcs),
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
