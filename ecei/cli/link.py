"""`ecei link` and `ecei unlink`: a person confirms or undoes a rename, and the history follows."""

from __future__ import annotations

from typing import Annotated

import typer

from ecei.cli.kit import DbOption, existing_db, outcomes, settings, visible
from ecei.identity import LinkResult, decide_link

OldName = Annotated[str, typer.Argument(help="The name the cluster had before, as listed (case and spacing ignored)")]
NewName = Annotated[str, typer.Argument(help="The name it has now")]
CountryOption = Annotated[
    str | None, typer.Option("--country", help="Country name or id, when both names exist in several countries")
]


def link_command(old: OldName, new: NewName, country: CountryOption = None, db: DbOption = None) -> None:
    """Confirm that NEW is OLD renamed: NEW continues OLD's cluster_id and history.

    OLD must have left the list in the run where NEW first appeared. Exit codes: 0 done,
    2 refused (unknown names, overlapping lifetimes, a name linked elsewhere), 4 busy.
    """
    _decide(old, new, True, country, db)


def unlink_command(old: OldName, new: NewName, country: CountryOption = None, db: DbOption = None) -> None:
    """Undo a link: NEW gets a cluster_id of its own again, OLD's history ends where it left.

    Exit codes: 0 done, 2 refused (the pair is not linked), 4 busy.
    """
    _decide(old, new, False, country, db)


def _decide(old: str, new: str, linked: bool, country: str | None, db: DbOption) -> None:
    chosen = settings(db=db)
    existing_db(chosen)
    with outcomes():
        result = decide_link(chosen, old, new, linked=linked, country=country)
    typer.echo(visible(sentence(result)))


def sentence(result: LinkResult) -> str:
    """What the decision changed, in one sentence."""
    if result.linked and result.already:
        return f"confirmed: {result.old_name} -> {result.new_name} stays linked"
    verb = "now continues" if result.linked else "no longer continues"
    return (
        f"{result.new_name} {verb} the history of {result.old_name} "
        f"({result.moved} name key(s) moved to another cluster id)"
    )
