"""The `ecei` command: refresh the warehouse and query it.

One module per command (or small family), each parsing its options, calling one use case and
rendering its result; `kit` holds what they share. This module only composes them.
"""

from __future__ import annotations

import sys

import typer

# typer carries its own click: its exceptions, not the click package's, are what the app raises
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from ecei.cli import (
    alerts,
    archive,
    backfill,
    changes,
    check,
    demo,
    export,
    history,
    kit,
    link,
    refresh,
    replay,
    report,
    serve,
    sql,
    status,
)

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
app.command("changes")(changes.changes_command)
app.command("status")(status.status_command)
app.command("check")(check.check_command)
app.command("alerts")(alerts.alerts_command)
app.command("serve")(serve.serve_command)
app.add_typer(demo.demo_app, name="demo")


def main() -> None:
    """The `ecei` script: the app, with a usage error (a bad option or argument) said in one line."""
    try:
        code = app(standalone_mode=False)  # click's own handling would print usage, a hint and the error
    except NoArgsIsHelpError as exc:
        exc.show()  # `ecei` alone, or a group alone: its help is the answer
        code = exc.exit_code
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "ecei"
        kit.err.print(f"usage error: {exc.format_message()} (see `{where} --help`)", highlight=False, markup=False)
        code = exc.exit_code
    except ClickException as exc:
        exc.show()
        code = exc.exit_code
    except typer.Abort:
        kit.err.print("aborted", highlight=False)
        code = 1
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["app", "main"]
