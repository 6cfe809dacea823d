"""`ecei feed`: write the change feeds (Atom) into a folder, from a read-only warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ecei.cli.kit import DbOption, cell, err, existing_db, number_option, outcomes, settings
from ecei.cli.tables import print_table
from ecei.outputs.feeds import FeedLinks, write_feeds
from ecei.settings import MOST_FEED_ENTRIES


def feed_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the feeds into (created if missing)")],
    limit: Annotated[
        int | None,
        number_option(
            "--limit", 1, MOST_FEED_ENTRIES, "Entries per feed, the latest [env ECEI_FEEDS_LIMIT, default 200]"
        ),
    ] = None,
    report_url: Annotated[
        str | None,
        typer.Option(
            "--report-url", help="Where entries link: the report [env ECEI_FEEDS_REPORT_URL, default report.html]"
        ),
    ] = None,
    feeds_url: Annotated[
        str | None,
        typer.Option("--feeds-url", help="The URL of the folder, for each feed's self link [env ECEI_FEEDS_URL]"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write the change feeds: changes.atom (every change), country-<name>.atom (one per country)
    and alerts.atom, each file whole or not at all.

    Each entry keeps its id however often the feeds are rewritten, so a feed reader shows a change
    once; a change's entry holds every field before and after.
    """
    chosen = settings(db=db, feeds_limit=limit, feeds_report_url=report_url, feeds_url=feeds_url)
    existing_db(chosen)
    links = FeedLinks(chosen.feeds_report_url, chosen.feeds_url)
    with outcomes():
        result = write_feeds(chosen, out_dir, links, chosen.feeds_limit)
    table = Table("file", "feed", "entries", "bytes")
    for written in result.feeds:
        table.add_row(cell(written.path), cell(written.title), str(written.entries), f"{written.size:,}")
    print_table(table)
    err.print(f"wrote {len(result.feeds)} feeds, {result.size:,} bytes, in {result.seconds:.1f} s", highlight=False)
