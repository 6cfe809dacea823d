"""The `report`, `export`, `history` and `check` commands (registered on the app in ecei/cli.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ecei.check import check_site
from ecei.export import FORMATS, export_views
from ecei.history import cluster_versions, find_clusters, similar_names
from ecei.settings import Settings
from warehouse.db import WarehouseBusy, open_when_free

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

DbOption = Annotated[Path | None, typer.Option("--db", help="Warehouse file [env ECEI_DB, default ./ecei.duckdb]")]


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _existing_db(settings: Settings) -> Path:
    if not Path(settings.db).exists():
        err.print(f"[red]no warehouse at {escape(str(settings.db))}[/red]: run `ecei refresh` first, or pass --db")
        raise typer.Exit(2)
    return Path(settings.db)


@contextmanager
def _busy_exits() -> Iterator[None]:
    try:
        yield
    except WarehouseBusy as exc:
        err.print(f"[yellow]busy:[/yellow] {escape(str(exc))}", highlight=False)
        raise typer.Exit(4) from None


def _text(value: Any) -> Text:
    # Text, not markup: a name like [bold] or <script> is shown as it is
    if value is None:
        return Text("")
    if isinstance(value, dt.datetime):
        return Text(value.strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, list | tuple):
        return Text(", ".join(map(str, value)))
    return Text(str(value))


def report_command(
    db: DbOption = None,
    output: Annotated[Path, typer.Option("--out", help="HTML file to write")] = Path("report.html"),
    today: Annotated[
        str | None, typer.Option(help="Judge the labels as of this date (YYYY-MM-DD) [default: today, UTC]")
    ] = None,
) -> None:
    """Write the report: one self-contained HTML file (charts, tables, run health) that works offline."""
    try:
        as_of = dt.date.fromisoformat(today) if today else dt.datetime.now(dt.UTC).date()
    except ValueError as exc:
        raise typer.BadParameter(f"not a date YYYY-MM-DD: {today!r}", param_hint="--today") from exc
    from ecei.report import LAPSING_DAYS, write_report  # plotly loads only for this command

    settings = _settings(db=db)
    path = _existing_db(settings)
    with _busy_exits():
        data = write_report(path, output, as_of, settings.busy_timeout)
    h = data.headline
    size = output.stat().st_size / 1e6
    out.print(
        f"wrote {escape(str(output))} ({size:.1f} MB) as of {as_of}: {h['clusters_listed']} clusters listed, "
        f"{h['labels_valid']} labels valid, {h['lapsing_90_days']} lapsing in {LAPSING_DAYS} days, "
        f"{h['labels_lapsed']} lapsed, {h['countries']} countries",
        highlight=False,
    )


def export_command(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write one file per view into (created if missing)")],
    fmt: Annotated[str, typer.Option("--format", help="parquet, csv or json")] = "parquet",
    db: DbOption = None,
) -> None:
    """Export every public view, one file each, written by DuckDB (the warehouse is opened read-only)."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose {', '.join(FORMATS)}", param_hint="--format")
    settings = _settings(db=db)
    path = _existing_db(settings)
    with _busy_exits():
        written = export_views(path, out_dir, fmt, settings.busy_timeout)
    table = Table("view", "file", "rows", title=f"exported as {fmt}")
    for item in written:
        table.add_row(item.view, _text(item.path), str(item.rows))
    out.print(table)


def history_command(
    name: Annotated[str, typer.Argument(help="The cluster's name, as listed now or in any earlier version")],
    country: Annotated[str | None, typer.Option(help="Only in this country (name or country id)")] = None,
    db: DbOption = None,
) -> None:
    """Show one cluster's versions as a timeline: when each was listed, and what it changed."""
    settings = _settings(db=db)
    path = _existing_db(settings)
    with _busy_exits():
        con = open_when_free(path, settings.busy_timeout, read_only=True)
    try:
        ids = find_clusters(con, name, country)
        if not ids:
            _no_such_cluster(con, name, country)
        versions = cluster_versions(con, ids)
    finally:
        con.close()
    for cluster_id in ids:
        _print_timeline(cluster_id, [v for v in versions if v["cluster_id"] == cluster_id])


def _no_such_cluster(con: duckdb.DuckDBPyConnection, name: str, country: str | None) -> None:
    where = f" in {country}" if country else ""
    err.print(f"[red]no cluster named {escape(repr(name))}{escape(where)}[/red] in the history", highlight=False)
    hits = similar_names(con, name)
    if hits:
        err.print("names containing those words:")
        for hit_name, hit_country in hits:
            err.print(f"  {escape(hit_name)} ({escape(hit_country)})", highlight=False)
    raise typer.Exit(1)


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
    return Text("; ".join(parts))


def _print_timeline(cluster_id: str, versions: list[dict[str, Any]]) -> None:
    last = versions[-1]
    title = Text(f"{last['name']} ({last['country']}), cluster {cluster_id}")
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    for column in ("from (UTC)", "to (UTC)", "valid until"):
        table.add_column(column, no_wrap=True)  # times and dates stay whole
    table.add_column("portfolio")
    table.add_column("what changed", overflow="fold")
    for v in versions:
        table.add_row(
            str(v["version"]),
            _text(v["valid_from"]),
            Text("current", style="green") if v["is_current"] else _text(v["valid_to"]),
            _text(v["valid_until"]),
            _text(v["portfolio"]),
            _changes(v),
        )
    out.print(table)
    out.print(Text(f"website: {last['website'] or 'none'}"))
    if last["is_current"]:
        out.print(Text(f"listed now; label valid until {last['valid_until']}"))
    else:
        out.print(Text(f"not listed since {last['valid_to']:%Y-%m-%d %H:%M} UTC (run {last['run_id_to']})"))


def check_command(
    start_url: Annotated[
        str | None, typer.Option(help="Overview page to look at [env ECEI_START_URL, default the live site]")
    ] = None,
) -> None:
    """Look at the site as the spider would (robots.txt, overview, one country page); write nothing.

    Exit codes: 0 the layout is what the spider expects, 1 it is not (or the site could not be read).
    """
    settings = _settings(start_url=start_url)
    result = check_site(settings)
    table = Table("what", "found", title=Text(f"check of {result.start_url}"), title_justify="left", show_header=False)
    allowed = {True: "allowed", False: "forbidden", None: "not checked"}[result.robots_allows]
    rows: list[tuple[str, Any]] = [
        ("robots.txt", f"{result.robots_url}: {result.robots}"),
        ("crawl allowed by robots.txt", allowed),
        ("overview", result.overview),
        ("stated total (clusters)", result.stated_total),
        ("stated countries", result.stated_countries),
        ("countries linked", result.countries_linked),
        ("country page checked", f"{result.country_name}: {result.country_url}" if result.country_url else None),
        ("country page", result.country_page),
        ("table headers", " | ".join(result.headers) if result.headers else None),
        ("rows on that page", result.rows_on_page),
        ("further pages of that country", result.more_pages),
    ]
    for what, found in rows:
        table.add_row(what, _text("-" if found in (None, "") else found))
    table.columns[1].overflow = "fold"  # URLs whole, not cut
    out.print(table)
    for note in result.notes:
        err.print(f"[dim]note:[/dim] {escape(note)}", highlight=False)
    if result.ok:
        out.print("[green]ok[/green]: the site looks as the spider expects")
        return
    for problem in result.problems:
        err.print(f"[red]problem:[/red] {escape(problem)}", highlight=False)
    raise typer.Exit(1)
