"""One refresh: crawl in a process of its own, judge completeness (ecei/refresh/completeness.py), merge in one
transaction.

The CLI and the Prefect flows both call `refresh`. The warehouse is not held open while the crawl
waits on the network: the run is recorded, the file closed, and reopened only for the merge.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import fields
from pathlib import Path
from typing import Any

import duckdb

from crawler.config import CrawlConfig
from ecei.demo.mirror import demo_mismatch
from ecei.locks import refresh_lock
from ecei.moments import stamp
from ecei.outcome import Busy, Status
from ecei.refresh.aftermath import after_refresh, after_write
from ecei.refresh.completeness import Verdict, assess
from ecei.refresh.result import RefreshResult
from ecei.settings import Settings
from pipelines.stage import CRAWL_OUTPUTS, Stage
from warehouse.archive import ArchivedRun, Fetch, store_bodies, store_run_archive
from warehouse.db import WarehouseBusy, open_when_free, transaction
from warehouse.identity import run_decisions
from warehouse.merge import last_run_start, merge_run
from warehouse.runs import RunFigures, abandon_running, begin_run, recorded_figures, settle_run, utcnow

_LOG_TAIL = 2000

Event = dict[str, Any]


def crawl_config(settings: Settings) -> CrawlConfig:
    """What the crawl needs of the settings, and nothing more: no secret (notify) is written to disk."""
    wanted = {f.name for f in fields(CrawlConfig)} - {"outputs"}
    return CrawlConfig(**settings.model_dump(include=wanted), outputs=CRAWL_OUTPUTS)


# After its own time limit (CLOSESPIDER_TIMEOUT) the crawl closes: it writes its stage, but first
# waits for the downloads under way, each up to the download timeout. The refresh waits this much
# longer, then stops it: a hanging page or a stuck process never holds a run much past its limit.
_WIND_DOWN = 15.0


def crawl_deadline(settings: Settings) -> float | None:
    """Seconds the refresh gives the crawl process before stopping it, whatever the process does
    (None: ECEI_CRAWL_TIMEOUT is 0, no limit)."""
    return settings.crawl_timeout + _WIND_DOWN if settings.crawl_timeout else None


def run_crawl(
    settings: Settings, workdir: Path, on_event: Callable[[Event], None] | None = None
) -> tuple[Path, dict[str, Any] | None, str | None]:
    """Run the crawl in a child process; returns (stage folder, crawl summary, crash message)."""
    config = workdir / "config.json"
    config.write_text(crawl_config(settings).to_json())
    stage = workdir / "stage"
    log_path = workdir / "crawl.log"
    limit = crawl_deadline(settings)
    deadline = None if limit is None else time.monotonic() + limit
    with log_path.open("w") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "crawler.run", str(config), str(stage), str(os.getpid())],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,  # its own process group: the parse workers are stopped with it
        )
        try:
            in_time = _follow(child, deadline, on_event)
        finally:
            _stop_group(child)  # also when the refresh itself is interrupted: no crawl outlives it
    if not in_time:
        return stage, None, f"the crawl exceeded its time limit of {settings.crawl_timeout:g} s and was stopped"
    summary = Stage(stage).read_summary()
    crash = None
    if child.returncode != 0 or summary is None:
        tail = log_path.read_text(errors="replace")[-_LOG_TAIL:]
        crash = f"the crawl process exited with code {child.returncode}: {tail.strip()}"
    return stage, summary, crash


def _follow(child: subprocess.Popen[str], deadline: float | None, on_event: Callable[[Event], None] | None) -> bool:
    """Pass the child's events on until it exits; False when the deadline came first. The output is
    read by a thread: a child that writes nothing, or never closes it, cannot hold the refresh."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert child.stdout is not None
        with child.stdout:
            for line in child.stdout:
                lines.put(line)
        lines.put(None)

    threading.Thread(target=read, name="crawl-events", daemon=True).start()
    while True:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return False
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            return False
        if line is None:
            break
        if on_event is not None and line.startswith("{"):
            with suppress(json.JSONDecodeError):
                on_event(json.loads(line))
    try:
        child.wait(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return False
    return True


def _stop_group(child: subprocess.Popen[str]) -> None:
    """Kill the crawl's process group (the crawl and its parse workers), if anything is left of it."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def _merge_hold(settings: Settings) -> Callable[[], None] | None:
    """The test hook of ECEI_MERGE_HOLD: wait inside the merge while the hold file exists."""
    hold = settings.merge_hold
    if hold is None:
        return None

    def wait() -> None:
        if not hold.exists():
            return
        hold.with_name(hold.name + ".reached").touch()
        while hold.exists():
            time.sleep(0.05)

    return wait


def refresh(
    settings: Settings, on_event: Callable[[Event], None] | None = None, observed_at: dt.datetime | None = None
) -> RefreshResult:
    """Crawl `settings.start_url` into `settings.db`. Never raises for a crawl problem: the result
    says what happened, and crawl_runs records it. A clock that reads earlier than the last run's
    start is refused before anything is written (`refused`, no run recorded): the run would end
    versions before they began.

    `observed_at` (naive UTC) records the run at that time instead of the clock's, ending as long
    after it as the crawl took: the demo records each bundled snapshot at its own date."""
    db = Path(settings.db)
    db.parent.mkdir(parents=True, exist_ok=True)
    try:
        with refresh_lock(db, settings.lock_wait):
            try:
                result = _refresh_locked(settings, db, on_event, observed_at)
            except (Busy, WarehouseBusy):
                raise
            except Exception as exc:
                # the merge could not write (a full disk): its run is settled failed, and the world
                # outside hears so (the healthcheck's /fail, the copy) before the error goes up
                after_refresh(settings, RefreshResult(Status.FAILED, None, RunFigures(), str(exc), db=str(db)))
                raise
            result.notices = after_refresh(settings, result)
            return result
    except (Busy, WarehouseBusy) as exc:
        return RefreshResult(Status.BUSY, None, RunFigures(), str(exc), db=str(db))


def _refresh_locked(
    settings: Settings, db: Path, on_event: Callable[[Event], None] | None, observed_at: dt.datetime | None
) -> RefreshResult:
    with closing(open_when_free(db, settings.busy_timeout)) as con:
        started_at = observed_at or utcnow()
        began = time.monotonic()
        last = last_run_start(con)
        if last is not None and started_at <= last:
            behind = _clock_behind(started_at, last) if observed_at is None else _dated_behind(started_at, last)
            return RefreshResult(Status.REFUSED, None, RunFigures(), behind, db=str(db))
        crawled = [row[0] for row in con.execute("select distinct start_url from runs").fetchall()]
        mixed = demo_mismatch(db, crawled, settings.start_url)
        if mixed is not None:
            return RefreshResult(Status.REFUSED, None, RunFigures(), mixed, db=str(db))
        abandoned = abandon_running(con)
        run_id = begin_run(con, settings.start_url, started_at, os.getpid())
    after_write(settings, f"start of refresh run {run_id}")  # readers see it running
    if on_event is not None:
        on_event({"event": "run", "run_id": run_id, "abandoned": abandoned})
    with tempfile.TemporaryDirectory(prefix="ecei-run-") as tmp:
        stage, summary, crash = run_crawl(settings, Path(tmp), on_event)
        verdict = assess(stage, summary, crash, settings.max_rejected_share)
        finished_at = None if observed_at is None else observed_at + dt.timedelta(seconds=time.monotonic() - began)
        with closing(open_when_free(db, settings.busy_timeout)) as con:
            archive = archive_staged(run_id, started_at, settings.start_url, stage, summary, crash)
            figures = load_run(
                con, run_id, started_at, stage, verdict, archive, finished_at, before_commit=_merge_hold(settings)
            )
            links = run_decisions(con, run_id)
            recorded = recorded_figures(con, run_id)
    return RefreshResult(verdict.status, run_id, figures, verdict.message, abandoned, str(db), links, recorded=recorded)


def _clock_behind(now: dt.datetime, last: dt.datetime) -> str:
    return (
        f"the clock reads {now} UTC, but the last run started at {last} UTC: time only moves forward, "
        "and a run dated earlier would end versions before they began. Set the clock right and run "
        "again; nothing was written"
    )


def _dated_behind(at: dt.datetime, last: dt.datetime) -> str:
    return (
        f"this run would be recorded at {stamp(at)}, but the last run started at {stamp(last)}: time only moves "
        "forward, and a run dated earlier would end versions before they began; nothing was written"
    )


Archiver = Callable[[duckdb.DuckDBPyConnection], None]


def archive_staged(
    run_id: int,
    started_at: dt.datetime,
    start_url: str,
    stage: Path,
    summary: dict[str, Any] | None,
    crash: str | None,
) -> Archiver:
    """What stores the pages the crawl kept in `stage` into the archive, given a connection."""

    def archive(con: duckdb.DuckDBPyConnection) -> None:
        records, bodies = Stage(stage).read_fetches()
        run = ArchivedRun(
            started_at=started_at,
            start_url=start_url,
            finish_reason=(summary or {}).get("finish_reason"),
            layout_error=(summary or {}).get("layout_error"),
            crash=crash,
            fetches=[Fetch.from_record(r) for r in records],
        )
        store_bodies(con, bodies)
        store_run_archive(con, run_id, run)

    return archive


def load_run(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    started_at: dt.datetime,
    stage: Path,
    verdict: Verdict,
    archive: Archiver | None = None,
    finished_at: dt.datetime | None = None,
    before_commit: Callable[[], None] | None = None,
) -> RunFigures:
    """Write the judged run: merge it, or settle it as failed. Either way its fetched pages are
    archived with it, a failed run's included: they are what explains the failure."""
    if verdict.status == Status.FAILED:
        _settle_failed(con, run_id, verdict.figures, verdict.message, archive, finished_at)
        return verdict.figures
    staged = Stage(stage)
    try:
        return merge_run(
            con,
            run_id,
            started_at,
            staged.rows,
            staged.rejected,
            complete=verdict.status == Status.OK,
            status=verdict.status,
            figures=verdict.figures,
            message=verdict.message,
            archive=archive,
            finished_at=finished_at,
            before_commit=before_commit,
        )
    except Exception as exc:
        # the merge rolled back; the run stays on record as failed, with why
        _settle_failed(con, run_id, verdict.figures, f"the merge failed: {exc}", archive, finished_at)
        raise


def _settle_failed(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    figures: RunFigures,
    message: str | None,
    archive: Archiver | None,
    finished_at: dt.datetime | None,
) -> None:
    if archive is not None:
        try:
            with transaction(con):
                archive(con)
                settle_run(con, run_id, Status.FAILED, figures, message, finished_at)
            return
        except Exception as exc:  # the run must be settled even when its pages cannot be kept
            message = f"{message or 'failed'}; its pages could not be archived: {exc}"
    settle_run(con, run_id, Status.FAILED, figures, message, finished_at)
