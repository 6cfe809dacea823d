"""The `ecei` command: refresh the warehouse and query it.

One module per command (or small family), each parsing its options, calling one use case and
rendering its result; `kit` holds what they share. This module only names them: a command is one
line of COMMANDS ("module:function" or, for a group, "module:typer_app", and its one-line help), and
its module is imported only when it runs, so that `ecei sql` does not wait for Scrapy or Prefect.
The read commands' usual forms are answered without typer (the line's `fast`: ecei.cli.fast); any
other form, and every other command, by typer's group (ecei.cli.group), imported only then.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ecei.cli.fast import answered
from ecei.cli.lazy import Lazy

if TYPE_CHECKING:
    import typer

# one line a command; a help of up to 64 characters shows whole in `ecei --help` (click's 80 columns)
COMMANDS: dict[str, Lazy] = {
    "refresh": Lazy("ecei.cli.refresh:refresh_command", "Crawl the site and merge what it lists into the warehouse."),
    "sql": Lazy(
        "ecei.cli.sql:sql_command",
        "Query the warehouse read-only: statements, --views or a shell.",
        fast="ecei.cli.sql:sql_command",
    ),
    "link": Lazy("ecei.cli.link:link_command", "Confirm that NEW is OLD renamed: NEW continues OLD's history."),
    "unlink": Lazy("ecei.cli.link:unlink_command", "Undo a link: NEW gets a cluster_id of its own again."),
    "replay": Lazy("ecei.cli.replay:replay_command", "Rebuild the history from the archived pages, with today's code."),
    "backfill": Lazy("ecei.cli.backfill:backfill_command", "Load WARC or Wayback captures as runs at their times."),
    "report": Lazy("ecei.cli.report:report_command", "Write the report: one self-contained HTML file."),
    "export": Lazy("ecei.cli.export:export_command", "Export every public view, one file each."),
    "release": Lazy("ecei.cli.release:release_command", "Release the list and its history as a dated data package."),
    "history": Lazy(
        "ecei.cli.history:history_command",
        "Show one cluster's versions as a timeline.",
        fast="ecei.cli.history_answer:FAST",
    ),
    "feed": Lazy("ecei.cli.feed:feed_command", "Write the Atom feeds: every change, per country, the alerts."),
    "changes": Lazy(
        "ecei.cli.changes:changes_command",
        "What changed between two points in time, cluster by cluster.",
        fast="ecei.cli.changes_answer:FAST",
    ),
    "status": Lazy(
        "ecei.cli.status:status_command",
        "The last refresh, staleness, pending alerts, next runs.",
        fast="ecei.cli.status_answer:FAST",
    ),
    "check": Lazy("ecei.cli.check:check_command", "Look at the site as the spider would; write nothing."),
    "alerts": Lazy("ecei.cli.alerts:alerts_command", "Raise the label alerts due and deliver them, each once."),
    "dismiss": Lazy("ecei.cli.dismiss:dismiss_command", "Close what a recipient is owed, saying why: sent no more."),
    "serve": Lazy("ecei.cli.serve:serve_command", "Serve the refresh and alerts flows on their schedules."),
    "schedule": Lazy("ecei.cli.schedule:schedule_command", "Print cron lines or systemd units for both schedules."),
    "archive": Lazy("ecei.cli.archive:archive_app", "What the refreshes fetched: every page, its status and its body."),
    "demo": Lazy("ecei.cli.demo:demo_app", "Build the demo warehouse, or serve a bundled snapshot."),
}


def __getattr__(name: str) -> Any:
    # `app`, typer's group of the commands, is built when asked for: the read commands' fast path never does
    if name == "app":
        from ecei.cli.group import typer_app

        built: typer.Typer = typer_app(COMMANDS)
        globals()["app"] = built
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """The `ecei` script: a read command's usual form answered without typer (ecei.cli.fast), anything
    else by typer's group, a usage error (a bad option or argument) said in one line."""
    code = answered(sys.argv[1:], COMMANDS)
    if code is not None:
        sys.exit(code)
    from ecei.cli.group import run

    sys.exit(run(__getattr__("app")))


__all__ = ["COMMANDS", "app", "main"]
