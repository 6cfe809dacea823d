"""WARC files written from the mirror's snapshots under the live site's address, at capture dates of
the test's choosing (by the demo's own writer, ecei.demo.warehouse.write_captures)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ecei.demo.warehouse import write_captures

SITE = "https://www.cluster-analysis.org"
JUNE_2016 = dt.datetime(2016, 6, 15, 10, 0)
OCT_2018 = dt.datetime(2018, 10, 20, 8, 30)


def write_warc(path: Path, captures: list[tuple[str, dt.datetime, set[str]]]) -> Path:
    """One response record per page of each (snapshot, time, paths left out), a second apart."""
    return write_captures(path, captures, site=SITE)
