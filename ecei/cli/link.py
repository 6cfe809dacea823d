"""`ecei link` and `ecei unlink`: a person confirms or undoes a rename, and the history follows.

Both show their evidence first (both names' websites, portfolios, label dates, first and last
sightings, and the rename scoring's score of the pair), then ask on a terminal before they write;
`--yes` answers for a script. Without a terminal and without `--yes` they refuse (exit 2).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ecei.cli.kit import DbOption, cell, existing_db, finish, outcomes, say, settings, visible
from ecei.cli.tables import print_table, print_text, unbounded
from ecei.history.identity import LinkEvidence, LinkResult, NameRecord, decide_link, link_evidence
from ecei.moments import stamp
from ecei.outcome import Status

OldName = Annotated[str, typer.Argument(help="The name the cluster had before, as listed (case and spacing ignored)")]
NewName = Annotated[str, typer.Argument(help="The name it has now")]
CountryOption = Annotated[
    str | None, typer.Option("--country", help="Country name or id, when both names exist in several countries")
]
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Decide without asking (for scripts); the evidence is still shown")
]


def link_command(
    old: OldName, new: NewName, country: CountryOption = None, db: DbOption = None, yes: YesOption = False
) -> None:
    """Confirm that NEW is OLD renamed: NEW continues OLD's cluster_id and history.

    Shows both names' evidence and the rename score, then asks on a terminal (--yes for scripts).
    OLD must have left the list in the run where NEW first appeared. Exit codes: 0 done, 1 not
    confirmed, 2 refused (unknown names, overlapping lifetimes, a name linked elsewhere, or no
    terminal to ask on and no --yes), 4 busy.
    """
    _decide(old, new, True, country, db, yes)


def unlink_command(
    old: OldName, new: NewName, country: CountryOption = None, db: DbOption = None, yes: YesOption = False
) -> None:
    """Undo a link: NEW gets a cluster_id of its own again, OLD's history ends where it left.

    Shows both names' evidence and the rename score, then asks on a terminal (--yes for scripts).
    Exit codes: 0 done, 1 not confirmed, 2 refused (the pair is not linked, or no terminal to ask
    on and no --yes), 4 busy.
    """
    _decide(old, new, False, country, db, yes)


def _decide(old: str, new: str, linked: bool, country: str | None, db: DbOption, yes: bool) -> None:
    chosen = settings(db=db)
    existing_db(chosen)
    verb = "link" if linked else "unlink"
    with outcomes():
        evidence = link_evidence(chosen, old, new, linked=linked, country=country)
    print_evidence(evidence)
    if not yes:
        if not sys.stdin.isatty():
            say(
                Status.REFUSED,
                f"`ecei {verb}` asks before it writes and there is no terminal to ask on: "
                "add --yes to decide from a script; nothing was changed",
            )
            finish(Status.REFUSED)
        question = f"{verb.capitalize()} {evidence.old.name} -> {evidence.new.name} ({evidence.old.country})?"
        typer.confirm(visible(question), default=False, abort=True)  # no: "aborted", exit 1, nothing written
    with outcomes():
        result = decide_link(chosen, old, new, linked=linked, country=country)
    typer.echo(visible(sentence(result)))


def _seen(record: NameRecord) -> str:
    if record.last_seen is None:
        return ""
    return f"{stamp(record.last_seen)}{' (still listed)' if record.listed else ''}"


def print_evidence(evidence: LinkEvidence) -> None:
    """Both names side by side, then the score and what it rests on."""
    now = "linked now" if evidence.already else "not linked now"
    table = Table(title=f"{'link' if evidence.linked else 'unlink'}: the evidence ({now})")
    for column in ("", "old name", "new name"):
        table.add_column(column, overflow="fold")  # evidence whole: a long website folds
    rows = {
        "name": lambda r: r.name,
        "country": lambda r: r.country,
        "cluster id": lambda r: r.cluster_id,
        "websites": lambda r: r.websites,
        "portfolios": lambda r: r.portfolios,
        "label dates": lambda r: [d.isoformat() for d in r.label_dates],
        "first seen": lambda r: stamp(r.first_seen),
        "last seen": _seen,
    }
    for heading, value in rows.items():
        table.add_row(heading, cell(value(evidence.old)), cell(value(evidence.new)))
    # piped into a file: one line per row, however long the names
    wide = unbounded()
    print_table(table, wide=wide)
    meaning = {
        "strong": "the rename scoring links such a pair",
        "weak": "too weak for the rename scoring to link",
        "none": "no evidence the rename scoring would record",
    }[evidence.strength]
    line = f"score {evidence.score:.2f} ({evidence.strength}: {meaning}): {visible(evidence.evidence)}"
    print_text(Text(line), wide=wide)


def sentence(result: LinkResult) -> str:
    """What the decision changed, in one sentence."""
    if result.linked and result.already:
        return f"confirmed: {result.old_name} -> {result.new_name} stays linked"
    verb = "now continues" if result.linked else "no longer continues"
    return (
        f"{result.new_name} {verb} the history of {result.old_name} "
        f"({result.moved} name key(s) moved to another cluster id)"
    )
