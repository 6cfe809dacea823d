"""`ecei history` answered: one cluster's versions as a timeline, when each was listed and what it
changed. Its typer declaration (arguments, options, help) is ecei.cli.history; this module imports no
typer, so that its usual forms are answered without it (FAST, ecei.cli.fast)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from ecei.cli.fast import Fast, path, text
from ecei.cli.kit import (
    cell,
    echo,
    err,
    finish,
    json_text,
    out,
    outcomes,
    parse_day,
    plain,
    read_settings,
    readable_db,
    reading_from,
    shown,
    visible,
)
from ecei.cli.tables import print_table
from ecei.history.cluster import HistoryResult, Timeline, history
from ecei.history.names import Candidate
from ecei.moments import stamp
from ecei.outcome import Status


def answer(
    name: str,
    country: str | None = None,
    today: dt.date | None = None,
    as_json: bool = False,
    db: Path | None = None,
    live: bool = False,
) -> None:
    """`ecei history NAME [--country C] [--today DAY] [--json] [--db PATH] [--live]` (ecei.cli.history
    declares them)."""
    chosen = read_settings(db)
    reading = reading_from(chosen, readable_db(chosen, live))
    with outcomes():
        result = history(reading, name, country, today)
    if as_json:
        echo(json_text(_document(result), indent=2))
    if result.status != Status.OK:
        _no_such_cluster(name, country, result)
    if result.how in ("part", "typo"):
        (meant,) = result.nearest
        words = "a part of its name" if result.how == "part" else "its name but for a typo"
        err.print(f"no cluster is listed as {shown(repr(name))}; showing the one with {words}: {_named(meant)}",
                  highlight=False)  # fmt: skip
    if not as_json:
        for timeline in result.timelines:
            _print_timeline(timeline)


FAST = Fast(
    answer,
    arguments=("name",),
    options={"--country": ("country", text), "--today": ("today", parse_day), "--db": ("db", path)},
    flags={"--json": "as_json", "--live": "live"},
)


def _named(c: Candidate) -> str:
    """A cluster as a person reads it: its latest name, its country, its other names."""
    also = f", also listed as {'; '.join(c.names[1:])}" if len(c.names) > 1 else ""
    return shown(f"{c.name} ({c.country}){also}")


def _no_such_cluster(name: str, country: str | None, result: HistoryResult) -> None:
    where = f" in {country}" if country else ""
    if result.how == "parts":
        err.print(f"[red]{len(result.nearest)} clusters{shown(where)} have {shown(repr(name))} in a name[/red]; "
                  "name one of them in full:", highlight=False)  # fmt: skip
    else:
        err.print(f"[red]no cluster named {shown(repr(name))}{shown(where)}[/red] in the history", highlight=False)
        if result.nearest:
            err.print("the nearest clusters:")
    for c in result.nearest:
        err.print(f"  {_named(c)}", highlight=False)
    finish(Status.FAILED)


_SEEN_BY = {"warc": "WARC files", "wayback": "web archive captures"}
# what report/history.sql says a version changed, and the field whose value it replaced
_WAS = {
    "renamed": ("renamed", "name"),
    "name": ("name written otherwise", "name"),
    "portfolio": ("portfolio", "portfolio"),
    "website": ("website", "website"),
    "country": ("country", "country"),
}


def _changes(version: dict[str, Any]) -> Text:
    """What a version changed, with the value it replaced."""
    parts = []
    for what in version["what_changed"]:
        if what == "listed":
            parts.append("listed")
        elif what == "relisted":
            parts.append(f"listed again (its label was {version['prev_valid_until']})")
        elif what == "renewed":
            parts.append(f"renewed (was {version['prev_valid_until']})")
        elif what == "valid_until":
            parts.append(f"label date moved earlier (was {version['prev_valid_until']})")
        else:
            said, field = _WAS[what]
            parts.append(f"{said} (was {version['prev_' + field] or 'none'})")
    return Text(visible("; ".join(parts)))


def _print_timeline(timeline: Timeline) -> None:
    last = timeline.last
    title = Text(visible(f"{last['name']} ({last['country']}), cluster {timeline.cluster_id}"))
    table = Table(title=title, title_justify="left")
    # headers as Text: a str is read for markup and emoji codes (ecei.cli.tables.as_text)
    table.add_column(Text("#"), justify="right")
    for column in ("from", "to", "label"):
        table.add_column(Text(column), no_wrap=True)  # times and dates stay whole
    table.add_column(Text("portfolio"), overflow="fold")  # a long word folds, never cut short
    table.add_column(Text("what changed"), overflow="fold")
    for v in timeline.versions:
        table.add_row(
            str(v["version"]),
            cell(v["valid_from"]),
            Text("current", style="green") if v["is_current"] else cell(v["valid_to"]),
            Text(v["label"], style="red" if v["label"].startswith("lapsed") else ""),
            cell(v["portfolio"]),
            _changes(v),
        )
    print_table(table, "`--json`")
    for source, words in _SEEN_BY.items():  # versions a backfill found, not a crawl of the site
        seen = [str(v["version"]) for v in timeline.versions if v.get("source_from") == source]
        if seen:
            out.print(Text(f"versions seen in {words}: {', '.join(seen)}"), soft_wrap=True)
    out.print(Text(visible(f"website: {last['website'] or 'none'}")), soft_wrap=True)
    if last["is_current"]:
        out.print(Text(f"listed now; label {last['label']}"), soft_wrap=True)
    else:
        out.print(Text(f"not listed since {stamp(last['valid_to'])} (run {last['run_id_to']})"), soft_wrap=True)


def _document(result: HistoryResult) -> dict[str, Any]:
    """The result as --json prints it: timestamps through stamp, dates as YYYY-MM-DD."""
    clusters = [
        {
            "cluster_id": t.cluster_id,
            "name": t.last["name"],
            "country": t.last["country"],
            "listed_now": t.last["is_current"],
            "label": t.last["label"],
            "versions": [{k: plain(v) for k, v in version.items() if k != "cluster_id"} for version in t.versions],
        }
        for t in result.timelines
    ]
    nearest = [
        {"cluster_id": c.cluster_id, "name": c.name, "country": c.country, "other_names": list(c.names[1:])}
        for c in (result.nearest if not result.timelines else [])  # what it may mean, on a miss
    ]
    return {"today": result.today.isoformat(), "found_by": result.how, "clusters": clusters, "nearest": nearest}
