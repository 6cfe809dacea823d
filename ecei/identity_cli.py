"""`ecei link` and `ecei unlink`: a person confirms or undoes a rename, and the history follows."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Annotated, Any

import typer
from filelock import FileLock, Timeout
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ecei.locks import refresh_lock_path
from ecei.settings import Settings
from warehouse.db import WarehouseBusy, open_when_free
from warehouse.identity import IdentityRefused, decide_by_person

err = Console(stderr=True, soft_wrap=True)

OldName = Annotated[str, typer.Argument(help="The name the cluster had before, as listed (case and spacing ignored)")]
NewName = Annotated[str, typer.Argument(help="The name it has now")]
CountryOption = Annotated[
    str | None, typer.Option("--country", help="Country name or id, when both names exist in several countries")
]
DbOption = Annotated[Path | None, typer.Option("--db", help="Warehouse file [env ECEI_DB, default ./ecei.duckdb]")]


def _decide(old: str, new: str, linked: bool, country: str | None, db: Path | None) -> None:
    settings = Settings(**({"db": db} if db is not None else {}))
    if not Path(settings.db).exists():
        err.print(f"[red]no warehouse at {settings.db}[/red]: run `ecei refresh` first, or pass --db")
        raise typer.Exit(2)
    # a refresh holds this lock from its crawl to its commit: never rewrite identity under a merge
    lock = FileLock(str(refresh_lock_path(Path(settings.db))))
    try:
        lock.acquire(timeout=settings.lock_wait)
    except Timeout:
        err.print(f"[yellow]busy:[/yellow] a refresh is running on {settings.db}; try again when it has finished")
        raise typer.Exit(4) from None
    try:
        with closing(open_when_free(settings.db, settings.busy_timeout)) as con:
            message = decide_by_person(con, old, new, linked, country)
    except IdentityRefused as exc:
        err.print(f"[red]refused:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    except WarehouseBusy as exc:
        err.print(f"[yellow]busy:[/yellow] {escape(str(exc))}", highlight=False)
        raise typer.Exit(4) from None
    finally:
        lock.release()
    typer.echo(message)


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


def print_link_decisions(decisions: list[dict[str, Any]], out: Console) -> None:
    """The rename decisions of one refresh, under its summary."""
    if not decisions:
        return
    table = Table("old name", "new name", "decision", "score", "evidence", title="identity: rename decisions")
    for d in decisions:
        verdict = "[green]linked[/green]" if d["linked"] else "[yellow]not linked[/yellow]"
        if d["decided_by"] == "person":
            verdict += " (person)"
        score = "" if d["score"] is None else f"{d['score']:.2f}"
        table.add_row(escape(d["old_name"]), escape(d["new_name"]), verdict, score, escape(d["evidence"]))
    out.print(table)
    if any(not d["linked"] for d in decisions):
        out.print("settle a pair with `ecei link OLD NEW` or undo a link with `ecei unlink OLD NEW`")
