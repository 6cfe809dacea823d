"""`ecei replay`: rebuild the history by re-reading every archived run with today's code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ecei.cli.kit import DbOption, JsonOption, cell, err, existing_db, json_text, outcomes, settings, with_type
from ecei.cli.tables import print_table, unbounded
from ecei.run_figures import cells, labels

if TYPE_CHECKING:  # replay brings Scrapy with it: imported when a command runs, not for --help
    from ecei.rebuild.replay import ReplayedRun, ReplayResult


def replay_command(
    db: DbOption = None,
    into: Annotated[
        Path | None, typer.Option("--into", help="New warehouse file [default: <db>.replayed.duckdb]")
    ] = None,
    in_place: Annotated[bool, typer.Option("--in-place", help="Replace the warehouse itself, atomically")] = False,
    keep_backup: Annotated[
        bool, typer.Option("--keep-backup", help="With --in-place: keep the old file as <db>.replay-backup")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Rebuild the history by re-reading every archived run, in time order, with today's code.

    Exit codes: 0 done, 1 the rebuild failed (the warehouse is untouched), 2 refused, 4 busy.
    """
    from ecei.rebuild.replay import replay

    chosen = settings(db=db)
    path = existing_db(chosen)
    # the rebuild goes to a file of its own: when it fails, the warehouse is as it was
    with outcomes(failed="failed", detail=with_type):
        result = replay(
            path,
            into=into,
            in_place=in_place,
            lock_wait=chosen.lock_wait,
            busy_timeout=chosen.busy_timeout,
            keep_backup=keep_backup,
            on_run=log_run(as_json),
            max_rejected_share=chosen.max_rejected_share,
        )
    print_replay(result, as_json, "replayed")


def log_run(quiet: bool) -> Callable[[ReplayedRun], None]:
    """What tells a person each run as it is replayed (nothing with --json)."""

    def on_run(run: ReplayedRun) -> None:
        if not quiet:
            err.print(f"run {run.run_id} ({run.source}, {str(run.started_at)[:19]}): {run.status}")

    return on_run


def run_document(run: ReplayedRun) -> dict[str, object]:
    """One replayed run in --json: where it came from and how it ended, then every figure, flat."""
    return {name: value for name, value in vars(run).items() if name != "figures"} | run.figures


def print_replay(result: ReplayResult, as_json: bool, what: str) -> None:
    """The replayed runs as one table (or one JSON object), with the time it took."""
    if as_json:
        typer.echo(
            json_text(
                {
                    "target": str(result.target),
                    "backup": str(result.backup) if result.backup else None,
                    "seconds": round(result.seconds, 3),
                    "runs": [run_document(r) for r in result.runs],
                },
            )
        )
        return
    table = Table("run", "was", "started at (UTC)", "source", "status", *labels(), title=f"{what} into {result.target}")
    for r in result.runs:
        was = "-" if r.old_run_id is None else str(r.old_run_id)
        # a new portfolio's name comes from the site: a cell, not markup
        figures = (cell(v) for v in cells(r.figures))
        table.add_row(str(r.run_id), was, str(r.started_at)[:19], r.source, r.status, *figures)
    # every figure is a wide table: to a file or a pipe, a line a run
    print_table(table, "`--json`", wide=unbounded())
    err.print(
        f"{len(result.runs)} runs in {result.seconds:.2f} s"
        + (f"; old file kept as {result.backup}" if result.backup else "")
    )
