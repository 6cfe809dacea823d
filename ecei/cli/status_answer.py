"""`ecei status` answered: how the watcher stands (last refresh, staleness, pending alerts, next
scheduled runs, the warehouse file), with an exit code a monitor can act on. Its typer declaration
(options, help) is ecei.cli.status; this module imports no typer, so that its usual forms are
answered without it (FAST, ecei.cli.fast)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from rich.table import Table
from rich.text import Text

from ecei import run_figures
from ecei.cli.fast import Fast, path
from ecei.cli.kit import (
    COLOURS,
    cell,
    echo,
    err,
    finish,
    json_text,
    outcomes,
    read_settings,
    readable_db,
    settings,
)
from ecei.cli.tables import print_table
from ecei.history.status import StatusResult, status
from ecei.moments import span, stamp
from ecei.outcome import Status

# the word that ends the report; the exit code is the kit's for the status (0, 1, 4, 5)
VERDICTS: dict[Status, str] = {
    Status.OK: "healthy",
    Status.FAILED: "stale",
    Status.UNDELIVERED: "undelivered",
    Status.BUSY: "busy",
}


def answer(db: Path | None = None, as_json: bool = False, live: bool = False) -> None:
    """`ecei status [--db PATH] [--json] [--live]` (ecei.cli.status declares them)."""
    chosen = read_settings(db)
    reading = readable_db(chosen, live)
    with outcomes():  # a file that is no warehouse: one line, exit 2
        result = status(chosen, reading)
    schedules = _schedules(db)
    if as_json:
        echo(json_text(document(result, schedules), indent=2))
    else:
        _print(result, schedules)
    finish(result.status)


FAST = Fast(answer, options={"--db": ("db", path)}, flags={"--json": "as_json", "--live": "live"})


def _schedules(db: Path | None) -> Any:
    # Prefect takes seconds to import: only when a server may be configured, and then its settings whole
    from flows.server import may_name_a_server

    if not may_name_a_server():
        return SimpleNamespace(server=None, error=None, deployments=[], runs=[])  # flows.schedules.Schedules(None)
    from flows.schedules import upcoming

    return upcoming(settings(db=db))


def _size(count: int) -> str:
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} bytes"


def _ago(at: dt.datetime, now: dt.datetime) -> str:
    return f"{span(now - at)} ago" if at <= now else f"in {span(at - now)}"


def _warehouse_line(result: StatusResult) -> str:
    f = result.file
    wal = f" (write-ahead log {_size(f.wal_size)})" if f.wal_size is not None else ""
    return f"{f.path}, {_size(f.size)}{wal}"


# where a run read the list, when not from the site itself
_SOURCES = {"warc": "WARC file(s)", "wayback": "web archive capture"}


def _refresh_lines(result: StatusResult) -> list[str]:
    run = result.last_run
    if run is None:
        return ["none yet: run `ecei refresh`"]
    started, finished = run["started_at"], run["finished_at"]
    if run["status"] == "running":
        first = f"run {run['run_id']}: running, started {stamp(started)} ({_ago(started, result.checked_at)})"
        return [first]
    took = f", took {span(finished - started)}" if finished is not None else ""
    lines = [
        f"run {run['run_id']}: {run['status']}, started {stamp(started)} ({_ago(started, result.checked_at)}){took}"
    ]
    # the brief figures on one line, on purpose: --json has every one
    lines.append(f"{run_figures.one_line(run)} (the brief figures: --json has every one)")
    if run.get("source") in _SOURCES:
        lines.append(f"from: {_SOURCES[run['source']]} {run.get('source_name') or ''}".rstrip())
    if run["message"]:
        lines.append(f"message: {run['message']}")
    return lines


def _data_lines(result: StatusResult) -> list[str]:
    w = result.watcher
    if w is None:
        return ["unknown: the warehouse could not be read"]
    rule = f"stale after {w.stale_days} days without a complete refresh (ECEI_STALE_DAYS), counted to {result.today}"
    if w.is_stale:
        return [f"stale: {w.stale_detail}", rule]
    assert w.last_ok_at is not None
    last = f"run {w.last_ok_run_id}, started {stamp(w.last_ok_at)} ({_ago(w.last_ok_at, result.checked_at)})"
    return [f"fresh: the last complete refresh is {last}", rule]


def _alert_lines(result: StatusResult) -> list[str]:
    if result.watcher is None:
        return ["unknown: the warehouse could not be read"]
    lines = [f"{result.pending} pending"]
    if not result.channels:
        lines[0] += "; no channel configured (ECEI_NOTIFY): they wait for one"
    for c in result.channels:
        line = f"{c.channel}: {c.pending} pending"
        if c.failed:
            line += f", {c.failed} not taken (last error: {c.last_error or 'none recorded'})"
        if not c.configured and c.pending:  # kept for it until it is configured again, or a person lets it go
            line += f"; configure it again, or `ecei dismiss --subscriber '{c.recipient}' --all --why ...`"
        lines.append(line)
    lines += [f"warning: {w}" for w in result.warnings]
    return lines


def _schedule_lines(schedules: Any, now: dt.datetime) -> list[str]:
    if schedules.server is None:
        return ["no Prefect server configured (PREFECT_API_URL): nothing is scheduled from here"]
    if schedules.error:
        return [f"{schedules.server}: {schedules.error}"]
    if not schedules.deployments:
        return [f"{schedules.server}: no ecei deployment (start `ecei serve`, or `prefect deploy --all`)"]
    if not schedules.runs:
        return [f"{schedules.server}: no run scheduled for {', '.join(schedules.deployments)}"]
    lines = [f"{schedules.server}:"]
    naive_now = now.replace(tzinfo=None)
    for run in schedules.runs:
        at = run.expected_start.astimezone(dt.UTC).replace(tzinfo=None)
        late = f", {run.state.lower()}" if run.state != "Scheduled" else ""
        lines.append(f"{run.deployment} at {stamp(at)} ({_ago(at, naive_now)}{late})")
    return lines


def _print(result: StatusResult, schedules: Any) -> None:
    sections = {
        "warehouse": [_warehouse_line(result)],
        "last refresh": _refresh_lines(result) if result.status != Status.BUSY else ["unknown: busy"],
        "data": _data_lines(result),
        "alerts": _alert_lines(result),
        "schedules": _schedule_lines(schedules, result.checked_at),
    }
    grid = Table.grid(padding=(0, 2, 0, 0))
    # headers and cells as Text: a str is read for markup and emoji codes (ecei.cli.tables.as_text)
    grid.add_column(Text(""), style="bold", no_wrap=True)
    grid.add_column(Text(""), overflow="fold")  # a long path folds, whole
    for title, lines in sections.items():
        for i, line in enumerate(lines):
            grid.add_row(Text(title if i == 0 else ""), cell(line))
    print_table(grid, "`--json`")  # a line wraps beside its title
    colour = COLOURS[result.status]
    verdict = VERDICTS.get(result.status, str(result.status))
    said = Text(f"{verdict}", style=colour)
    if result.message:
        said.append(": ").append(cell(result.message))
    err.print(said, soft_wrap=True)


def document(result: StatusResult, schedules: Any) -> dict[str, Any]:
    """The status as one JSON document (`--json`)."""
    run, w = result.last_run, result.watcher
    last_refresh = None
    if run is not None:
        finished = run["finished_at"]
        last_refresh = {
            "run_id": run["run_id"],
            "status": run["status"],
            "started_at": stamp(run["started_at"]),
            "finished_at": stamp(finished),
            "ago": _ago(run["started_at"], result.checked_at),
            "seconds": round((finished - run["started_at"]).total_seconds(), 3) if finished is not None else None,
            "figures": {name: run.get(name) for name in run_figures.fields()},
            "message": run["message"],
            "source": run.get("source", "crawl"),  # crawl, warc or wayback
            "source_name": run.get("source_name"),  # the WARC files, or the archive capture's URL
        }
    return {
        "status": str(result.status),
        "verdict": VERDICTS.get(result.status, str(result.status)),
        "message": result.message,
        "checked_at": stamp(result.checked_at),
        "today": result.today.isoformat(),
        "warehouse": {"path": str(result.file.path), "bytes": result.file.size, "wal_bytes": result.file.wal_size},
        "last_refresh": last_refresh,
        "data": None
        if w is None
        else {
            "stale": w.is_stale,
            "detail": w.stale_detail,
            "stale_days": w.stale_days,
            "last_complete_run_id": w.last_ok_run_id,
            "last_complete_at": stamp(w.last_ok_at),
            "days_since_complete": w.days_since_ok,
        },
        "alerts": None
        if w is None
        else {
            "pending": result.pending,
            "warnings": result.warnings,
            "channels": [
                {
                    "channel": c.channel,
                    "pending": c.pending,
                    "not_taken": c.failed,
                    "last_error": c.last_error,
                    "configured": c.configured,
                }
                for c in result.channels
            ],
        },
        "schedules": {
            "server": schedules.server,
            "error": schedules.error,
            "deployments": schedules.deployments,
            "runs": [
                {"deployment": r.deployment, "expected_start": stamp(r.expected_start), "state": r.state}
                for r in schedules.runs
            ],
        },
    }
