"""`ecei check`: look at the site as the spider would, and say whether its layout is what it expects."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from ecei.cli.kit import StartUrlOption, cell, err, finish, out, settings, shown
from ecei.cli.tables import print_table
from ecei.outcome import Status
from ecei.refresh.check import CheckResult, check_site


def check_command(start_url: StartUrlOption = None) -> None:
    """Look at the site as the spider would (robots.txt, overview, one country page); write nothing.

    Exit codes: 0 the layout is what the spider expects, 1 it is not (or the site could not be read).
    """
    result = check_site(settings(start_url=start_url))
    _print_check(result)
    if result.ok:
        out.print("[green]ok[/green]: the site looks as the spider expects", soft_wrap=True)
        return
    for problem in result.problems:
        err.print(f"[red]problem:[/red] {shown(problem)}", highlight=False)
    finish(Status.FAILED)


def _print_check(result: CheckResult) -> None:
    table = Table("what", "found", title=cell(f"check of {result.start_url}"), title_justify="left", show_header=False)
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
        table.add_row(what, cell("-" if found in (None, "") else found))
    table.columns[1].overflow = "fold"  # URLs whole, not cut
    print_table(table)
    for note in result.notes:
        err.print(f"[dim]note:[/dim] {shown(note)}", highlight=False)
