"""`ecei history`: one cluster's versions as a timeline, when each was listed and what it changed.
Its arguments, options and help, for typer; the answer is ecei.cli.history_answer's (its usual forms
answered there without typer: ecei.cli.fast)."""

from __future__ import annotations

from typing import Annotated

import typer

from ecei.cli.history_answer import answer
from ecei.cli.kit import DbOption, JsonOption, LiveOption, TodayOption


def history_command(
    name: Annotated[
        str,
        typer.Argument(
            help="The cluster's name, as listed now or in any earlier version; accents, apostrophe forms "
            "(' or \N{RIGHT SINGLE QUOTATION MARK}) and case do not matter; a part of a name or a typo finds the one "
            "cluster meant"
        ),
    ],
    country: Annotated[
        str | None, typer.Option(help="Only in this country (its name or id); an unknown one lists the known")
    ] = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    live: LiveOption = False,
) -> None:
    """Show one cluster's versions as a timeline: when each was listed, and what it changed.

    A label whose date is before --today reads "lapsed on D", any other "valid until D". A name that
    finds no cluster, or several, exits 1 listing the clusters meant, each once with its other names;
    an unknown --country exits 2 with the known ones.
    """
    answer(name, country, today, as_json, db, live)
