"""The demo's three snapshots as runs at dates of their own (WARC captures, backfilled), so that time
passes between them as it did on the site: for tests of what a point in time shows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ecei.backfill import backfill
from ecei.settings import LIVE_START_URL
from tests.warcs import write_warc

# the demo warehouse's dates (README): each snapshot captured around 09:00 UTC on its day
DEMO_RUNS = {
    "2016-06": dt.datetime(2016, 6, 15, 9, 0),
    "2018-10": dt.datetime(2018, 10, 15, 9, 0),
    "2021-09": dt.datetime(2021, 9, 15, 9, 0),
}


def dated_demo(folder: Path) -> Path:
    """A warehouse in `folder` holding the three snapshots as runs 1-3 at DEMO_RUNS's times."""
    folder.mkdir(parents=True, exist_ok=True)
    warcs = [write_warc(folder / f"{s}.warc.gz", [(s, at, set())]) for s, at in DEMO_RUNS.items()]
    db = folder / "ecei.duckdb"
    result = backfill(db, warcs, LIVE_START_URL)
    assert result.replay is not None and len(result.runs) == len(DEMO_RUNS), result.skipped
    return db
