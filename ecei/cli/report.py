"""`ecei report`: write one self-contained HTML file (charts, tables, run health) that works offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecei.cli.kit import (
    AsOfOption,
    DbOption,
    LiveOption,
    TodayOption,
    err,
    out,
    outcomes,
    readable_db,
    settings,
    shown,
)
from ecei.moments import stamp
from ecei.outputs.files import STDOUT

OutOption = Annotated[Path, typer.Option("--out", help="HTML file to write (- for standard output)")]


def report_command(
    db: DbOption = None,
    output: OutOption = Path("report.html"),
    today: TodayOption = None,
    as_of: AsOfOption = None,
    live: LiveOption = False,
) -> None:
    """Write the report: one self-contained HTML file (charts, tables, run health) that works offline.

    Two points in time make a report. --as-of picks the list: the latest one, or the list as it
    stood at WHEN (a day means its end), with the changes and refreshes up to then. --today is the
    business day that list's labels are judged against (valid, lapsing within 90 days, lapsed, days
    left); it never changes the list. Without --today: the day of --as-of, or else today in ECEI_TIMEZONE.
    """
    from ecei.outputs.report import LAPSING_DAYS, write_report  # plotly loads only for this command

    chosen = settings(db=db)
    path = readable_db(chosen, live)
    with outcomes():
        data = write_report(path, output, today, chosen.busy_timeout, as_of, chosen.timezone, chosen.stale_days)
    h = data.headline
    to_stdout = str(output) == STDOUT
    size = 0.0 if to_stdout else output.stat().st_size / 1e6
    listed = f"the list as of {stamp(data.as_of)}" if data.as_of else "the latest list"
    seen = f" (observed by run {data.observed['run_id']})" if data.observed else " (no refresh by then)"
    (err if to_stdout else out).print(
        f"wrote {shown(str(output))} ({size:.1f} MB): {listed}{seen} judged as of {data.today}: "
        f"{h['clusters_listed']} clusters listed, {h['labels_valid']} label{_s(h['labels_valid'])} valid, "
        f"{h['lapsing_90_days']} lapsing in {LAPSING_DAYS} days, {h['labels_lapsed']} lapsed, "
        f"{h['countries']} countries",
        highlight=False,
        soft_wrap=True,
    )
    if data.stale:  # the page says it at its top too
        err.print(f"[yellow]note:[/yellow] stale data as of {data.today}: {shown(data.stale)}", highlight=False)


def _s(count: int) -> str:
    return "" if count == 1 else "s"
