"""Rebuild the history from the page archive with today's code: re-parse every archived run, in time order.

Each run is read again by the spider's callbacks (crawler.offline), validated and deduplicated by the
pipelines' own functions, staged by RunStage, judged by `assess` and merged by `merge_run`: the very
code a refresh runs, so an unchanged parser reproduces the history exactly. Runs keep their start
time (the versions' valid_from), end time and start URL; they are numbered anew in time order, so
a run inserted into the past (a backfill) gets its place. The rebuild goes into a new file; in
place, it is built beside the warehouse and swapped in with one rename, the old file kept as a
backup until then. What no page says, what people were told and decided, is carried from the old
file (warehouse/carried.py): the alert ledger as it was, and each person's link decision at its
place in time, so the merges after it honour it.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import duckdb

from crawler.items import CountryPageItem
from crawler.offline import StoredAnswer, crawl_stored
from ecei.alerts.run import settle_deliveries
from ecei.locks import alerts_lock, refresh_lock
from ecei.outcome import Refused, Status
from ecei.query_settings import not_local
from ecei.refresh.aftermath import after_write
from ecei.refresh.completeness import assess
from ecei.refresh.run import load_run
from ecei.settings import DEFAULT_MAX_REJECTED_SHARE, Settings
from pipelines.dedupe_rows import Seen, dedupe_page
from pipelines.stage import RunStage
from pipelines.validate_rows import validate_page
from warehouse.archive import (
    ArchivedRun,
    Fetch,
    copy_bodies,
    copy_run,
    load_runs,
    read_body,
    store_bodies,
    store_run_archive,
)
from warehouse.carried import Carried, apply_decisions, carry_ledger, read_carried
from warehouse.db import connect, open_when_free
from warehouse.runs import begin_run, recorded_figures
from warehouse.wayback import copy_captures


@dataclass
class ReplayedRun:
    run_id: int
    old_run_id: int | None
    started_at: Any
    source: str
    status: Status
    # every figure, as the rebuilt file records them (warehouse/semantics/run_figures.sql)
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReplayResult:
    target: Path
    runs: list[ReplayedRun] = field(default_factory=list)
    seconds: float = 0.0
    backup: Path | None = None


def url_key(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A page's identity within one run: path and query; host, scheme and a final slash do not matter
    (a run reads one site, and web archives record the same page under several spellings)."""
    parts = urlsplit(url)
    return parts.path.rstrip("/"), tuple(sorted(parse_qsl(parts.query)))


def _answers(run: ArchivedRun, body: Callable[[str], bytes | None]) -> Callable[[str], StoredAnswer | None]:
    # the last answer for a URL is the one the crawl acted on: earlier ones are retried attempts
    last: dict[tuple[str, tuple[tuple[str, str], ...]], Fetch] = {}
    for f in sorted(run.fetches, key=lambda f: f.seq):
        if f.kind == "robots":
            continue
        last[url_key(f.requested_url)] = f
        last[url_key(f.url)] = f

    def answer(url: str) -> StoredAnswer | None:
        f = last.get(url_key(url))
        if f is None:
            return None
        return StoredAnswer(f.url, f.status, f.content_type, body(f.sha256) if f.sha256 else None, f.error)

    return answer


# why a page a backfilled run lacks is missing (a crawl that lacks one never asked for it)
_NOT_CAPTURED = {
    "warc": "not captured in the web archive on that day",
    "wayback": "not captured in the web archive near that day (ECEI_WAYBACK_WINDOW_DAYS)",
}


def _replay_run(
    con: duckdb.DuckDBPyConnection,
    run: ArchivedRun,
    workdir: Path,
    body: Callable[[str], bytes | None],
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
) -> ReplayedRun:
    if not run.archived:
        # a run with nothing archived (abandoned, or from before the archive) stays as it was; it loaded
        # nothing (rebuild refuses one that did): it failed, or died running (the refresh lock is ours)
        new_id = copy_run(con, run.row)
        return ReplayedRun(new_id, run.run_id, run.started_at, "kept", Status.FAILED, recorded_figures(con, new_id))
    new_id = begin_run(con, run.start_url, run.started_at, run.row.get("pid"))
    missing = _NOT_CAPTURED.get(run.source)
    items, layout_error = crawl_stored(run.start_url, _answers(run, body), missing)
    stage = workdir / f"run-{new_id}"
    seen: Seen = {}
    with RunStage(stage) as out:
        for item in items:
            if isinstance(item, CountryPageItem):
                validate_page(item)
                dedupe_page(item, seen)
            out.add(item)
    # a layout change is today's parser's call to make again; any other early end stays as it was
    finish_reason = "finished" if run.finish_reason == "layout_changed" else run.finish_reason
    summary = {"finish_reason": finish_reason, "layout_error": layout_error}
    verdict = assess(stage, summary, run.crash, max_rejected_share)

    def archive(c: duckdb.DuckDBPyConnection) -> None:
        store_run_archive(c, new_id, run)

    try:
        # a merge that raises stops the whole replay: its half-built file is never swapped in
        load_run(con, new_id, run.started_at, stage, verdict, archive, run.finished_at)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return ReplayedRun(new_id, run.run_id, run.started_at, run.source, verdict.status, recorded_figures(con, new_id))


def _order(run: ArchivedRun) -> tuple[Any, int, int]:
    return (run.started_at, 0 if run.run_id is not None else 1, run.run_id or 0)


def rebuild(
    target: Path,
    runs: Sequence[ArchivedRun],
    source: Path | None = None,
    bodies: Mapping[str, bytes] | None = None,
    on_run: Callable[[ReplayedRun], None] | None = None,
    carried: Carried | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
) -> list[ReplayedRun]:
    """Build a fresh warehouse at `target` from `runs` (replayed in time order), with the bodies of
    `source`'s archive and `bodies`, and what is `carried` from the old file; each run judged with
    the share of rejected rows allowed."""
    unreplayable = [r.run_id for r in runs if not r.archived and r.row.get("status") in (Status.OK, Status.PARTIAL)]
    if unreplayable:
        raise Refused(
            f"runs {', '.join(map(str, unreplayable))} loaded rows but have no archived pages "
            "(they ran before the archive existed): a replay would lose what they loaded"
        )
    done = []
    with closing(connect(target)) as con, tempfile.TemporaryDirectory(prefix="ecei-replay-") as tmp:
        if source is not None:
            copy_bodies(con, source)
            copy_captures(con, source)  # what a Wayback backfill read: it is not read twice
        store_bodies(con, bodies or {})

        # runs in time order mostly repeat the bodies of the run before: a small cache is enough
        @functools.lru_cache(maxsize=64)
        def body(sha: str) -> bytes | None:
            return read_body(con, sha)

        carried = carried or Carried()
        new_ids: dict[int, int] = {}
        for run in sorted(runs, key=_order):
            apply_decisions(con, carried, run.started_at, new_ids)  # those made before this run
            replayed = _replay_run(con, run, Path(tmp), body, max_rejected_share)
            done.append(replayed)
            if replayed.old_run_id is not None:
                new_ids[replayed.old_run_id] = replayed.run_id
            if on_run is not None:
                on_run(replayed)
        apply_decisions(con, carried, None, new_ids)
        if carried.source is not None:
            carry_ledger(con, carried.source, new_ids)
    return done


def default_target(db: Path) -> Path:
    return db.with_name(f"{db.stem}.replayed{db.suffix or '.duckdb'}")


def replay(
    db: Path,
    into: Path | None = None,
    in_place: bool = False,
    extra: Sequence[ArchivedRun] = (),
    extra_bodies: Mapping[str, bytes] | None = None,
    lock_wait: float = 0.0,
    busy_timeout: float = 10.0,
    keep_backup: bool = False,
    on_run: Callable[[ReplayedRun], None] | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
) -> ReplayResult:
    """Replay every archived run of `db` (and the `extra` runs, e.g. from a backfill) in time order.

    Into `into` (default: `<db>.replayed.duckdb` beside it), or with `in_place` into `db` itself:
    built as `<db>.replay-tmp`, then swapped in by one atomic rename while the old file stays
    reachable as `<db>.replay-backup` (removed once the swap is done unless `keep_backup`).
    In place through a symlink, the file it names is replaced, never the link.
    """
    started = time.monotonic()
    if in_place and into is not None:
        raise Refused("give either --into or --in-place, not both")
    if into is not None and (why := not_local(into)):
        raise Refused(f"--into {into}: {why}")
    if in_place:
        db = db.resolve()
    target = db.with_name(db.name + ".replay-tmp") if in_place else (into or default_target(db))
    if not in_place and target.exists():
        raise Refused(f"{target} exists: remove it or choose another --into")
    if not in_place and target.resolve() == db.resolve():
        raise Refused("--into names the warehouse itself: use --in-place")
    db.parent.mkdir(parents=True, exist_ok=True)
    # the alerts lock too: an alerts run must not record into the old file what the new one lacks
    with refresh_lock(db, lock_wait), alerts_lock(db, lock_wait):
        runs: list[ArchivedRun] = []
        carried = Carried()
        if db.exists():
            # opened for writing: brings an older file up to date and leaves no WAL behind on close
            with closing(open_when_free(db, busy_timeout)) as con:
                runs = load_runs(con)
                settle_deliveries(con, db)  # deliveries an alerts run could not record yet
                carried = read_carried(con, db)
        for stale in (target, target.with_name(target.name + ".wal")):
            if in_place and stale.exists():
                stale.unlink()  # left by a replay that died
        try:
            source = db if db.exists() else None
            replayed = rebuild(target, [*runs, *extra], source, extra_bodies, on_run, carried, max_rejected_share)
        except BaseException:
            # the half-built file is ours (an existing --into is refused above): leave nothing behind
            for partial in (target, target.with_name(target.name + ".wal")):
                partial.unlink(missing_ok=True)
            raise
        result = ReplayResult(target, replayed)
        if in_place:
            result.backup = _swap(target, db, keep_backup)
            result.target = db
            after_write(Settings(db=db, busy_timeout=busy_timeout), "replay in place")
    result.seconds = time.monotonic() - started
    return result


def _swap(built: Path, db: Path, keep_backup: bool) -> Path | None:
    """Put `built` in place of `db` with one rename; the old file stays as a backup meanwhile."""
    if not db.exists():
        os.replace(built, db)
        return None
    backup = db.with_name(db.name + ".replay-backup")
    backup.unlink(missing_ok=True)
    try:
        os.link(db, backup)  # a second name for the old file: it survives the rename below
    except OSError:
        shutil.copy2(db, backup)
    os.replace(built, db)
    if keep_backup:
        return backup
    backup.unlink()
    return None
