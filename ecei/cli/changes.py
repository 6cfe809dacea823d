"""`ecei changes`: what was added, removed, renamed and changed between two points in time, as a
table, CSV, JSON or a small self-contained HTML page. Its options and help, for typer; the answer is
ecei.cli.changes_answer's (its usual forms answered there without typer: ecei.cli.fast)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecei.cli.changes_answer import answer
from ecei.cli.kit import DbOption, LiveOption, when_parser
from ecei.moments import HELP as WHEN_HELP
from ecei.moments import When
from ecei.outputs import formats
from ecei.outputs.csv_cells import EXCEL_HELP


def changes_command(
    since: Annotated[
        When,
        typer.Option(
            "--since", parser=when_parser("--since"), metavar="WHEN", help=f"Compare from the list at WHEN: {WHEN_HELP}"
        ),
    ],
    until: Annotated[
        When | None,
        typer.Option(
            "--until",
            parser=when_parser("--until"),
            metavar="WHEN",
            help="To the list at WHEN (a day counts to its end) [default: the latest list]",
        ),
    ] = None,
    country: Annotated[str | None, typer.Option(help="Only clusters in this country (name or country id)")] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=f"{formats.choices(formats.CHANGES)} [default: from --out's suffix, else table]"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout (- is stdout)")
    ] = None,
    db: DbOption = None,
    live: LiveOption = False,
    excel: Annotated[bool, typer.Option("--excel", help=f"With --format csv: {EXCEL_HELP}")] = False,
) -> None:
    """Show what was added, removed, renamed and changed between the list at --since and at --until.

    A day as --since is the list just before that day began, as --until the list at its end; a run
    id is the list right after that run. Each cluster appears once, with the fields that changed and
    their values before and after; a cluster a partial run missed is not removed.
    """
    answer(since, until, country, fmt, output, db, live, excel)
