"""`ecei alerts`: raise label alerts into the ledger and deliver them through Apprise, each once."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import SecretStr
from rich.table import Table

from ecei.alerts.kinds import names, note
from ecei.alerts.subscriptions import NOTIFY_NAME
from ecei.cli.kit import (
    AsOfOption,
    DbOption,
    TodayOption,
    cell,
    err,
    existing_db,
    finish,
    out,
    outcomes,
    say,
    settings,
    shown,
    within_option,
)
from ecei.cli.tables import WideOption, print_table, unbounded
from ecei.moments import stamp
from ecei.outcome import Status
from warehouse.alerts import DEFAULT_THRESHOLDS

if TYPE_CHECKING:
    from ecei.alerts.run import AlertsResult, ChannelsTest


def alerts_command(
    db: DbOption = None,
    today: TodayOption = None,
    within: Annotated[
        list[int] | None,
        within_option("A rung of the ladder in days, repeatable (default 90, 30, 7)"),
    ] = None,
    notify: Annotated[
        list[str] | None,
        typer.Option("--notify", help="Apprise URL to deliver to, repeatable (default: ECEI_NOTIFY)"),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Show what would be raised and what is still owed, as the next run would count it; "
            "record and send nothing",
        ),
    ] = False,
    as_of: AsOfOption = None,
    test: Annotated[
        bool,
        typer.Option("--test", help="Send each channel a short test message and say how each took it; record nothing"),
    ] = False,
    wide: WideOption = False,
    backlog: Annotated[
        bool,
        typer.Option(
            "--backlog",
            help="Also send each subscriber the alerts still current that were raised before it was first seen",
        ),
    ] = False,
) -> None:
    """Raise label alerts ({kinds}) and deliver them, each once.

    The alerts are computed from the latest list as of --today, by default today in ECEI_TIMEZONE.
    With --dry-run --as-of WHEN: the alerts the list as it stood at WHEN would raise (as a first
    alerts run would, the ledger aside), judged against --today (default: WHEN's day).
    Each alert goes once to every subscription that wants it: ECEI_NOTIFY hears everything, each
    subscriber of ECEI_SUBSCRIPTIONS what its filters choose (--backlog: also what is still current
    from before it was first seen). Every channel and the subscriptions file are checked first: an
    Apprise URL that cannot work, or a file that is wrong, is refused (exit 2). Exit codes:
    0 done (also when no channel is configured: the alerts stay pending), 2 usage, a channel
    or subscription that cannot work, or no warehouse, 4 busy (another alerts run), 5 a channel
    failed (its alerts stay pending for it and the next run delivers them; with --test: a
    channel did not take the test message).
    """
    from ecei.alerts.run import (  # Apprise takes half a second to import: only when needed
        run_alerts,
        send_test_messages,
    )

    if as_of is not None and not dry_run:
        why = "only with --dry-run: the ledger records what the latest list raises"
        raise typer.BadParameter(why, param_hint="--as-of")
    if backlog and (dry_run or test):
        raise typer.BadParameter("it sends; leave out --dry-run and --test", param_hint="--backlog")
    if test and (dry_run or as_of is not None):
        why = "it sends a test message only; leave out --dry-run and --as-of"
        raise typer.BadParameter(why, param_hint="--test")
    thresholds = within or list(DEFAULT_THRESHOLDS)
    chosen = settings(db=db)
    urls = [SecretStr(u) for u in notify] if notify else None
    if test:
        with outcomes():
            tried = send_test_messages(chosen, urls)
        print_test(tried, wide)
        finish(tried.status)
    existing_db(chosen)
    with outcomes():
        result = run_alerts(chosen, today, thresholds, urls, dry_run=dry_run, as_of=as_of, backlog=backlog)
    print_alerts(result, wide)
    finish(result.status)


# the help lists the kinds as ecei/alerts/kinds.py declares them
alerts_command.__doc__ = (alerts_command.__doc__ or "").replace("{kinds}", ", ".join(names()))


# a first run on a large registry raises thousands of alerts, and a table of them took longer to draw
# than the run took (10,331 alerts: 26 s); the ledger holds them all
SHOWN = 100


def print_alerts(result: AlertsResult, wide: bool = False) -> None:
    """The alerts due in this run as one table (the first SHOWN), then each channel's delivery and
    how it ended. With `wide`, or into a file or a pipe with no COLUMNS, one line per alert."""
    new = {a.alert_key for a in result.raised}
    title = f"alerts as of {result.today.isoformat()} (ladder {', '.join(map(str, result.thresholds))})"
    if result.as_of is not None:
        title += f", the list as it stood at {stamp(result.as_of)}"
    table = Table(title=title)
    for column in ("kind", "name", "country", "portfolio", "label date", "days left", "note", "website", "state"):
        table.add_column(column, justify="right" if column == "days left" else "left")
    for a in result.due[:SHOWN]:
        if result.status == Status.DRY_RUN:
            state = "would raise" if a.alert_key in new else "pending"
        else:
            state = "delivered" if a.alert_id in result.delivered_ids else "pending"
            state = f"new, {state}" if a.alert_key in new else state
        values = [
            a.kind,
            a.name,
            a.country,
            a.portfolio,
            a.label_date.isoformat() if a.label_date else None,
            None if a.days_left is None else str(a.days_left),  # counted to result.today, as the notes
            note(a),
            a.website,
            state,
        ]
        table.add_row(*(cell(v) for v in values))
    # piped into a file or grep: one line per alert, however long the names
    wide = wide or unbounded()
    print_table(table, "`--wide`", wide=wide)
    if len(result.due) > SHOWN:
        counts = Counter(a.kind for a in result.due)
        by_kind = ", ".join(f"{kind} {counts[kind]:,}" for kind in names() if counts[kind])
        rest = (
            "a dry run records none of them"
            if result.status == Status.DRY_RUN
            else 'the ledger holds them all: ecei sql "select * from alert_log order by alert_id desc"'
        )
        said = f"{len(result.due):,} alerts ({by_kind}); the first {SHOWN} are shown, {rest}"
        out.print(said, markup=False, soft_wrap=wide)
    for c in result.channels:
        who = shown(c.name) if c.subscription == NOTIFY_NAME else f"{shown(c.subscription)} ({shown(c.name)})"
        if c.error:
            why = shown(c.error)
            said = f"{c.delivered} of {c.alerts} alerts delivered, {c.pending} stay pending for it"
            err.print(f"[red]{who}: not delivered[/red] ({said}): {why}", highlight=False)
        elif not c.alerts:
            err.print(f"{who}: nothing new", highlight=False)
        elif c.mode == "each":
            err.print(f"{who}: delivered {c.messages} messages, one per alert", highlight=False)
        else:
            parts = f" in {c.messages} messages" if c.messages > 1 else ""
            err.print(f"{who}: delivered a digest of {c.alerts} alerts{parts}", highlight=False)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {shown(warning)}", highlight=False)
    say(result.status, f"{len(result.raised)} new alerts, {result.delivered} delivered, {result.pending_after} pending")
    if result.message:
        err.print(shown(result.message), highlight=False)


def print_test(tried: ChannelsTest, wide: bool = False) -> None:
    """One row per channel: its name, whether it took the test message, and why not."""
    table = Table(title="test message to each channel")
    for column in ("channel", "result", "why"):
        table.add_column(column)
    for c in tried.channels:
        name = c.name if c.subscription == NOTIFY_NAME else f"{c.subscription} ({c.name})"
        table.add_row(cell(name), cell("delivered" if c.error is None else "not delivered"), cell(c.error))
    print_table(table, "`--wide`", wide=wide or unbounded())
    took = sum(c.error is None for c in tried.channels)
    said = f"{took} of {len(tried.channels)} channels took the test message"
    say(tried.status, said if tried.status == Status.OK else f"{said}; nothing was recorded")
