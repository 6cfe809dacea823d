"""The `ecei` command: refresh the warehouse and query it.

One module per command (or small family), each parsing its options, calling one use case and
rendering its result; `kit` holds what they share. This module only names them: a command is one
line of COMMANDS ("module:function" or, for a group, "module:typer_app", and its one-line help), and
its module is imported only when it runs, so that `ecei sql` does not wait for Scrapy or Prefect.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

# typer carries its own click: its exceptions, not the click package's, are what the app raises
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from ecei.cli.lazy import Lazy, LazyGroup

# one line a command; a help of up to 64 characters shows whole in `ecei --help` (click's 80 columns)
COMMANDS: dict[str, Lazy] = {
    "refresh": Lazy("ecei.cli.refresh:refresh_command", "Crawl the site and merge what it lists into the warehouse."),
    "sql": Lazy("ecei.cli.sql:sql_command", "Query the warehouse read-only: statements, --views or a shell."),
    "link": Lazy("ecei.cli.link:link_command", "Confirm that NEW is OLD renamed: NEW continues OLD's history."),
    "unlink": Lazy("ecei.cli.link:unlink_command", "Undo a link: NEW gets a cluster_id of its own again."),
    "replay": Lazy("ecei.cli.replay:replay_command", "Rebuild the history from the archived pages, with today's code."),
    "backfill": Lazy("ecei.cli.backfill:backfill_command", "Load WARC or Wayback captures as runs at their times."),
    "report": Lazy("ecei.cli.report:report_command", "Write the report: one self-contained HTML file."),
    "export": Lazy("ecei.cli.export:export_command", "Export every public view, one file each."),
    "release": Lazy("ecei.cli.release:release_command", "Release the list and its history as a dated data package."),
    "history": Lazy("ecei.cli.history:history_command", "Show one cluster's versions as a timeline."),
    "feed": Lazy("ecei.cli.feed:feed_command", "Write the Atom feeds: every change, per country, the alerts."),
    "changes": Lazy("ecei.cli.changes:changes_command", "What changed between two points in time, cluster by cluster."),
    "status": Lazy("ecei.cli.status:status_command", "The last refresh, staleness, pending alerts, next runs."),
    "check": Lazy("ecei.cli.check:check_command", "Look at the site as the spider would; write nothing."),
    "alerts": Lazy("ecei.cli.alerts:alerts_command", "Raise the label alerts due and deliver them, each once."),
    "dismiss": Lazy("ecei.cli.dismiss:dismiss_command", "Close what a recipient is owed, saying why: sent no more."),
    "serve": Lazy("ecei.cli.serve:serve_command", "Serve the refresh and alerts flows on their schedules."),
    "schedule": Lazy("ecei.cli.schedule:schedule_command", "Print cron lines or systemd units for both schedules."),
    "archive": Lazy("ecei.cli.archive:archive_app", "What the refreshes fetched: every page, its status and its body."),
    "demo": Lazy("ecei.cli.demo:demo_app", "Build the demo warehouse, or serve a bundled snapshot."),
}


class Commands(LazyGroup):
    registry = COMMANDS


app = typer.Typer(
    cls=Commands,
    help="Watch the ECEI Bronze Label database and keep its full history in DuckDB.",
    no_args_is_help=True,
    rich_markup_mode=None,  # help texts hold [brackets] (env names, defaults) that are not markup
    pretty_exceptions_enable=False,
    # typer's --install-completion and --show-completion convert their values through pydantic on
    # every run of every command, before the command itself: `ecei sql` would wait for pydantic
    add_completion=False,
)


def _print_version(wanted: bool) -> None:
    if not wanted:
        return
    from importlib.metadata import version

    typer.echo(f"ecei-watch {version('ecei-watch')} (DuckDB {version('duckdb')})")
    raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the versions of ecei-watch and DuckDB"
        ),
    ] = False,
) -> None:
    pass


def _say_usage_error(message: str) -> None:
    from ecei.cli.kit import err  # the kit (settings, consoles) only when there is something to say

    err.print(message, highlight=False, markup=False)


def main() -> None:
    """The `ecei` script: the app, with a usage error (a bad option or argument) said in one line."""
    try:
        code = app(standalone_mode=False)  # click's own handling would print usage, a hint and the error
    except NoArgsIsHelpError as exc:
        exc.show()  # `ecei` alone, or a group alone: its help is the answer
        code = exc.exit_code
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "ecei"
        _say_usage_error(f"usage error: {exc.format_message()} (see `{where} --help`)")
        code = exc.exit_code
    except ClickException as exc:
        exc.show()
        code = exc.exit_code
    except typer.Abort:
        _say_usage_error("aborted")
        code = 1
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["COMMANDS", "app", "main"]
