"""`ecei history`: one cluster's versions as a timeline, when each was listed and what it changed."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ecei.cli.kit import DbOption, cell, err, existing_db, finish, out, outcomes, settings, shown, visible
from ecei.history import history
from ecei.outcome import Status


def history_command(
    name: Annotated[str, typer.Argument(help="The cluster's name, as listed now or in any earlier version")],
    country: Annotated[str | None, typer.Option(help="Only in this country (name or country id)")] = None,
    db: DbOption = None,
) -> None:
    """Show one cluster's versions as a timeline: when each was listed, and what it changed."""
    chosen = settings(db=db)
    existing_db(chosen)
    with outcomes():
        result = history(chosen, name, country)
    if result.status != Status.OK:
        _no_such_cluster(name, country, result.similar)
    for timeline in result.timelines:
        _print_timeline(timeline.cluster_id, timeline.versions)


def _no_such_cluster(name: str, country: str | None, similar: list[tuple[str, str]]) -> None:
    where = f" in {country}" if country else ""
    err.print(f"[red]no cluster named {shown(repr(name))}{shown(where)}[/red] in the history", highlight=False)
    if similar:
        err.print("names containing those words:")
        for hit_name, hit_country in similar:
            err.print(f"  {shown(hit_name)} ({shown(hit_country)})", highlight=False)
    finish(Status.FAILED)


_WAS = {"name": "renamed", "portfolio": "portfolio", "website": "website", "country": "country"}


def _changes(version: dict[str, Any]) -> Text:
    """What a version changed, with the value it replaced."""
    parts = []
    for what in version["what_changed"]:
        if what == "listed":
            parts.append("listed")
        elif what == "renewed":
            parts.append(f"renewed (was {version['prev_valid_until']})")
        elif what == "valid_until":
            parts.append(f"label date moved earlier (was {version['prev_valid_until']})")
        else:
            parts.append(f"{_WAS[what]} (was {version['prev_' + what] or 'none'})")
    return Text(visible("; ".join(parts)))


def _print_timeline(cluster_id: str, versions: list[dict[str, Any]]) -> None:
    last = versions[-1]
    title = Text(visible(f"{last['name']} ({last['country']}), cluster {cluster_id}"))
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    for column in ("from (UTC)", "to (UTC)", "valid until"):
        table.add_column(column, no_wrap=True)  # times and dates stay whole
    table.add_column("portfolio")
    table.add_column("what changed", overflow="fold")
    for v in versions:
        table.add_row(
            str(v["version"]),
            cell(v["valid_from"]),
            Text("current", style="green") if v["is_current"] else cell(v["valid_to"]),
            cell(v["valid_until"]),
            cell(v["portfolio"]),
            _changes(v),
        )
    out.print(table, soft_wrap=True)
    out.print(Text(visible(f"website: {last['website'] or 'none'}")), soft_wrap=True)
    if last["is_current"]:
        out.print(Text(f"listed now; label valid until {last['valid_until']}"), soft_wrap=True)
    else:
        out.print(
            Text(f"not listed since {last['valid_to']:%Y-%m-%d %H:%M} UTC (run {last['run_id_to']})"), soft_wrap=True
        )
