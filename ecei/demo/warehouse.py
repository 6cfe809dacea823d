"""The demo warehouse: the three bundled snapshots of the site, each recorded at its own date.

The snapshots' pages (ecei/demo/site/, the one copy of them) are written as WARC captures dated at
their snapshot's day, under the demo's own site address, and loaded by the backfill use case: the
warehouse holds three runs years apart, as if a web archive had kept the site then. A demo refresh
crawls a snapshot served on loopback and records the run at that snapshot's date too, so "time
only moves forward" refuses it onto later history. Neither ever touches a warehouse that holds
crawls of a real site.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Collection, Sequence
from contextlib import closing
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from crawler.archive_pages import page_kind
from ecei.demo.mirror import DEMO_HOST, OVERVIEW_PATH, SNAPSHOT_DATES, demo_mismatch, demo_site, is_demo_url, serve
from ecei.locks import alerts_lock, refresh_lock
from ecei.outcome import Refused
from ecei.outputs.files import Guard, check_folder, guard, output_stream
from ecei.rebuild.backfill import BackfillResult, backfill
from ecei.rebuild.replay import ReplayedRun
from ecei.refresh.aftermath import after_write
from ecei.refresh.result import RefreshResult
from ecei.refresh.run import Event, refresh
from ecei.settings import Settings
from warehouse.db import open_when_free

DEMO_SITE = f"https://{DEMO_HOST}"
DEMO_START_URL = DEMO_SITE + OVERVIEW_PATH

# each snapshot is recorded at its date (SNAPSHOT_DATES); its country pages a second apart after the overview
PAGE_GAP = dt.timedelta(seconds=1)


@dataclass
class DemoBuild:
    db: Path
    backfill: BackfillResult
    warcs: list[Path]  # the captures it loaded, where they were kept (empty unless asked to keep them)


def snapshot_at(snapshot: str) -> dt.datetime:
    """When a demo snapshot is recorded (naive UTC); ValueError naming the snapshots for another."""
    demo_site(snapshot)  # the one check of a snapshot's name
    return SNAPSHOT_DATES[snapshot]


def _start_urls(db: Path, busy_timeout: float) -> list[str]:
    """The start URLs `db`'s runs crawled, each once (none for a warehouse still to be made)."""
    if not db.exists():
        return []
    with closing(open_when_free(db, busy_timeout, read_only=True)) as con:
        return [row[0] for row in con.execute("select distinct start_url from crawl_runs order by 1").fetchall()]


def refuse_real_site(db: Path, busy_timeout: float) -> None:
    """Refused when `db` holds a crawl of anything but the demo: the demo never writes over real history."""
    real = [u for u in _start_urls(db, busy_timeout) if not is_demo_url(u)]
    if real:
        raise Refused(
            f"{db} holds crawls of a real site ({', '.join(real[:3])}); the demo never writes over them: "
            "pass --db with another file"
        )


def refuse_demo_target(db: Path, start_url: str, busy_timeout: float) -> None:
    """Refused when `db` is a demo warehouse and `start_url` is not the demo (ecei.demo.mirror.demo_mismatch):
    what `ecei serve` checks before it schedules refreshes, as every refresh does before it crawls."""
    mixed = demo_mismatch(db, _start_urls(db, busy_timeout), start_url)
    if mixed is not None:
        raise Refused(mixed)


def write_captures(
    path: Path,
    captures: Sequence[tuple[str, dt.datetime, Collection[str]]],
    site: str = DEMO_SITE,
    guarded: Guard | None = None,
) -> Path:
    """A WARC file holding, for each (snapshot, time, paths left out), one response record per page
    of the snapshot: the overview at that time, its country pages a second apart after it, under
    `site`'s address, read from the bundled pages themselves (gzipped when the name ends in .gz);
    written whole or not at all, never over what `guarded` protects (ecei.outputs.files)."""
    with output_stream(path, guarded or Guard(), "--warcs", binary=True) as fh:
        writer = WARCWriter(fh, gzip=path.suffix == ".gz")
        for snapshot, at, left_out in captures:
            folder = demo_site(snapshot)
            routes: dict[str, str] = json.loads((folder / "routes.json").read_text())
            pages = [
                p
                for p in routes
                if page_kind(p, OVERVIEW_PATH) in ("overview", "country") and p not in left_out and not p.endswith("/")
            ]
            for i, page in enumerate(sorted(pages, key=lambda p: ("country=" in p, p))):
                headers = StatusAndHeaders(
                    "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
                )
                record = writer.create_warc_record(
                    site + page,
                    "response",
                    payload=BytesIO((folder / routes[page]).read_bytes()),
                    http_headers=headers,
                    warc_headers_dict={"WARC-Date": datetime_to_iso_date(at + i * PAGE_GAP)},
                )
                writer.write_record(record)
    return path


def build(
    db: Path,
    lock_wait: float = 0.0,
    busy_timeout: float = 10.0,
    keep_warcs: Path | None = None,
    on_run: Callable[[ReplayedRun], None] | None = None,
) -> DemoBuild:
    """Build the demo warehouse at `db` from scratch: each snapshot's captures backfilled at its date.

    Built beside `db` and put in its place with one rename, under the refresh and alerts locks; a
    file holding a real site's crawls (or no warehouse at all) is refused and left as it is. With
    `keep_warcs`, the WARC files loaded are also kept in that folder (for trying `ecei backfill`).
    """
    db = Path(db).resolve()  # through a symlink, the file it names is rebuilt
    db.parent.mkdir(parents=True, exist_ok=True)
    with refresh_lock(db, lock_wait), alerts_lock(db, lock_wait):
        refuse_real_site(db, busy_timeout)
        with tempfile.TemporaryDirectory(prefix=".ecei-demo-", dir=db.parent) as tmp:
            folder = Path(tmp) if keep_warcs is None else keep_warcs
            kept = guard(db)
            check_folder(folder, kept, "--warcs")
            warcs = [
                write_captures(folder / f"demo-{s}.warc.gz", [(s, at, ())], guarded=kept)
                for s, at in SNAPSHOT_DATES.items()
            ]
            built = Path(tmp) / db.name
            result = backfill(built, warcs, DEMO_START_URL, busy_timeout=busy_timeout, on_run=on_run)
            # the old file's write-ahead log would be replayed into the new file: it goes first
            db.with_name(db.name + ".wal").unlink(missing_ok=True)
            os.replace(built, db)
        after_write(Settings(db=db, busy_timeout=busy_timeout), "demo build")
    if result.replay is not None:
        result.replay.target = db
    return DemoBuild(db, result, [] if keep_warcs is None else warcs)


def demo_refresh(settings: Settings, snapshot: str, on_event: Callable[[Event], None] | None = None) -> RefreshResult:
    """Crawl a bundled snapshot served on loopback into `settings.db`, recorded at the snapshot's
    date: onto later history the refresh refuses (time only moves forward), onto a real site's
    crawls it is refused before it starts."""
    at = snapshot_at(snapshot)
    refuse_real_site(Path(settings.db), settings.busy_timeout)
    with serve(demo_site(snapshot)) as mirror:
        # the mirror is ours: no need to be polite to it
        chosen = settings.model_copy(update={"start_url": mirror.start_url, "polite": False})
        return refresh(chosen, on_event, observed_at=at)
