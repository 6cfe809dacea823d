"""`ecei demo`: build the demo warehouse (the bundled snapshots at their own dates), serve a snapshot."""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Column, Table

from ecei.cli.kit import (
    DbOption,
    cell,
    err,
    finish,
    number_option,
    out,
    outcomes,
    say,
    settings,
    shown,
    usable_db,
    with_type,
)
from ecei.cli.tables import print_table, unbounded
from ecei.demo.mirror import SNAPSHOTS, demo_site, serve
from ecei.outcome import Status
from ecei.run_figures import cells, labels

demo_app = typer.Typer(
    help="The demo: a warehouse of the bundled snapshots (2016-06, 2018-10, 2021-09) at their own dates.",
    no_args_is_help=True,
)


@demo_app.command("build")
def build_command(
    db: DbOption = None,
    warcs: Annotated[
        Path | None,
        typer.Option("--warcs", help="Also keep the WARC files it loads in this folder (to try `ecei backfill`)"),
    ] = None,
) -> None:
    """Build the demo warehouse from scratch: each bundled snapshot backfilled at its own date.

    The snapshots are recorded on 2016-06-15, 2018-10-15 and 2021-09-15 (09:00 UTC), under the
    demo's address https://demo.ecei-watch.invalid. A demo warehouse at --db is rebuilt; a file
    holding crawls of a real site is refused and left as it is.
    Exit codes: 0 built, 1 the build failed (the file is untouched), 2 refused, 4 busy.
    """
    from ecei.demo.warehouse import build  # Scrapy and warcio: only when the command runs

    chosen = settings(db=db)
    path = usable_db(chosen)
    with outcomes(failed="failed", detail=with_type):
        done = build(path, lock_wait=chosen.lock_wait, busy_timeout=chosen.busy_timeout, keep_warcs=warcs)
    replayed = done.backfill.replay
    if replayed is None:  # cannot happen for a fresh file: every capture is new to it
        say(Status.FAILED, f"no run was built from {done.backfill.captures} captures")
        finish(Status.FAILED)
    recorded = Column("recorded at", no_wrap=True)  # a moment stays whole
    table = Table("run", recorded, "status", *labels(), title=cell(f"demo warehouse {path}"))
    for r in replayed.runs:
        table.add_row(str(r.run_id), cell(r.started_at), r.status, *(cell(v) for v in cells(r.figures)))
    print_table(table, wide=unbounded())  # every figure is a wide table: to a file or a pipe, a line a run
    for kept in done.warcs:
        err.print(f"kept {shown(str(kept))}", highlight=False)
    err.print(
        f'built in {replayed.seconds:.1f} s; try `ecei history "Seafood Innovation Cluster" --db {shown(str(path))}`',
        highlight=False,
    )


@demo_app.command("serve")
def serve_command(
    snapshot: Annotated[str, typer.Argument(help=f"The snapshot to serve: {', '.join(SNAPSHOTS)}")] = SNAPSHOTS[-1],
    port: Annotated[int, number_option("--port", 0, 65535, "Loopback port; 0 picks a free one", "PORT")] = 8015,
    wayback: Annotated[
        bool,
        typer.Option("--wayback", help="Serve all three snapshots as a web archive (CDX index and raw captures)"),
    ] = False,
) -> None:
    """Serve one bundled snapshot of the site on loopback, or all three as a web archive, until Ctrl-C.

    Prints the start URL to try `ecei check --start-url URL` or `ecei refresh --start-url URL` offline;
    with --wayback, the archive's address to try `ECEI_WAYBACK_URL=URL ecei backfill --wayback`: the
    snapshots captured under the live site's address at their own dates (SNAPSHOT is ignored).
    Exit codes: 0 stopped by Ctrl-C, 2 the port is taken or the snapshot unknown.
    """
    try:
        folder = demo_site(snapshot)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="SNAPSHOT") from exc
    with ExitStack() as stack:
        try:
            if wayback:
                from ecei.demo.wayback_standin import serve_archive

                archive = stack.enter_context(serve_archive(port=port))
            else:
                mirror = stack.enter_context(serve(folder, port=port))
        except OSError as exc:
            say(Status.REFUSED, f"cannot serve on 127.0.0.1:{port} ({exc.strerror}): choose another --port")
            finish(Status.REFUSED)
        if wayback:
            err.print(
                f"serving the demo snapshots ({', '.join(SNAPSHOTS)}) as a web archive on loopback until Ctrl-C; "
                "its address, for ECEI_WAYBACK_URL:",
                highlight=False,
            )
            out.print(archive.base_url, highlight=False, soft_wrap=True)
        else:
            err.print(f"serving demo snapshot {snapshot} on loopback until Ctrl-C; its start URL:", highlight=False)
            out.print(mirror.start_url, highlight=False, soft_wrap=True)
        sys.stdout.flush()  # a script reading the URL from a pipe gets it now
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            err.print("stopped", highlight=False)
