"""`ecei report`: write one self-contained HTML file (charts, tables, run health) that works offline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from ecei.cli.kit import DbOption, TodayOption, existing_db, out, outcomes, settings, shown


def report_command(
    db: DbOption = None,
    output: Annotated[Path, typer.Option("--out", help="HTML file to write")] = Path("report.html"),
    today: TodayOption = None,
) -> None:
    """Write the report: one self-contained HTML file (charts, tables, run health) that works offline.

    The labels are judged as of --today, by default today in UTC.
    """
    as_of = today or dt.datetime.now(dt.UTC).date()
    from ecei.report import LAPSING_DAYS, write_report  # plotly loads only for this command

    chosen = settings(db=db)
    path = existing_db(chosen)
    with outcomes():
        data = write_report(path, output, as_of, chosen.busy_timeout)
    h = data.headline
    size = output.stat().st_size / 1e6
    out.print(
        f"wrote {shown(str(output))} ({size:.1f} MB) as of {as_of}: {h['clusters_listed']} clusters listed, "
        f"{h['labels_valid']} labels valid, {h['lapsing_90_days']} lapsing in {LAPSING_DAYS} days, "
        f"{h['labels_lapsed']} lapsed, {h['countries']} countries",
        highlight=False,
        soft_wrap=True,
    )
