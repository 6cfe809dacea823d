"""`ecei dismiss`: a person closes what a recipient is owed, saying why, so that the alerts runs stop
sending it; the ledger keeps the why (alert_outbox.why).

Shows what would be closed, then asks on a terminal before it writes; `--yes` answers for a script.
Without a terminal and without `--yes` it refuses (exit 2), as `ecei link` does.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ecei.cli.kit import DbOption, existing_db, finish, outcomes, say, settings, visible
from ecei.locks import writable_warehouse
from ecei.outcome import Status

SubscriberOption = Annotated[
    str,
    typer.Option(
        "--subscriber", help="A subscription's name, or a channel as `ecei status` shows it (scheme and server)"
    ),
]
AlertOption = Annotated[
    list[int] | None, typer.Option("--alert", help="An alert id (alert_log.alert_id) it is owed, repeatable")
]
AllOption = Annotated[
    bool, typer.Option("--all", help="Everything it is owed; and it is owed nothing new until configured again")
]
WhyOption = Annotated[str, typer.Option("--why", help="Why, in words: kept in the ledger beside each alert closed")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Dismiss without asking (for scripts)")]


def dismiss_command(
    subscriber: SubscriberOption,
    why: WhyOption,
    alert: AlertOption = None,
    everything: AllOption = False,
    db: DbOption = None,
    yes: YesOption = False,
) -> None:
    """Close what a recipient is owed (--alert ID ..., or --all), with a reason: it is sent no more.

    Asks on a terminal first (--yes for scripts). Exit codes: 0 done, 1 not confirmed, 2 refused
    (an unknown recipient, an alert it is not owed, neither or both of --alert and --all, no --why,
    or no terminal to ask on and no --yes), 4 busy.
    """
    from ecei.alerts.run import dismiss, owed_to  # Apprise takes half a second to import: only when needed

    if bool(alert) == everything:
        raise typer.BadParameter("give --alert ID (repeatable) or --all", param_hint="--alert/--all")
    if not why.strip():
        raise typer.BadParameter("say why, in words", param_hint="--why")
    chosen = settings(db=db)
    existing_db(chosen)
    with outcomes():
        writable_warehouse(Path(chosen.db))  # before it shows what it would dismiss: a copy takes nothing
        owed = owed_to(chosen, subscriber)
    count = len(owed.alert_ids) if everything else len(alert or [])
    if not yes:
        if not sys.stdin.isatty():
            say(
                Status.REFUSED,
                "`ecei dismiss` asks before it writes and there is no terminal to ask on: "
                "add --yes to dismiss from a script; nothing was changed",
            )
            finish(Status.REFUSED)
        question = f"Dismiss {count} of the {len(owed.alert_ids)} alerts {owed.label} is owed?"
        typer.confirm(visible(question), default=False, abort=True)  # no: "aborted", exit 1, nothing written
    with outcomes():
        done = dismiss(chosen, subscriber, alert or [], everything, why.strip())
    said = f"{done.label}: {len(done.alert_ids)} alerts dismissed ({why.strip()})"
    if everything:
        said += "; it is owed nothing new until an alerts run has it configured again"
    say(Status.OK, said)
