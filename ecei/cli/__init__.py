"""The `ecei` command: refresh the warehouse and query it.

One module per command (or small family), each parsing its options, calling one use case and
rendering its result; `kit` holds what they share. This module only composes them.
"""

from __future__ import annotations

import typer

from ecei.cli import alerts, archive, backfill, check, export, history, link, refresh, replay, report, serve, sql

app = typer.Typer(
    help="Watch the ECEI Bronze Label database and keep its full history in DuckDB.",
    no_args_is_help=True,
    rich_markup_mode=None,  # help texts hold [brackets] (env names, defaults) that are not markup
    pretty_exceptions_enable=False,
)

app.command("refresh")(refresh.refresh_command)
app.command("sql")(sql.sql_command)
app.command("link")(link.link_command)
app.command("unlink")(link.unlink_command)
app.add_typer(archive.archive_app, name="archive")
app.command("replay")(replay.replay_command)
app.command("backfill")(backfill.backfill_command)
app.command("report")(report.report_command)
app.command("export")(export.export_command)
app.command("history")(history.history_command)
app.command("check")(check.check_command)
app.command("alerts")(alerts.alerts_command)
app.command("serve")(serve.serve_command)

__all__ = ["app"]
