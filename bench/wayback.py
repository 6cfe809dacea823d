"""A Wayback backfill through the loopback stand-in: what it reads, skips and loads, how fast it asks.

    .venv/bin/python -m bench.wayback [--repeat 3]

Three measurements, each into a fresh warehouse, against `ecei.demo.wayback_standin` on loopback:
- the three demo snapshots at their dates (15 captures), ECEI_POLITE=false: the backfill's time,
  median of `--repeat`;
- a rough archive (the demo snapshots with country pages captured days from their overview, under
  other spellings, a redirect, an error page captured with status 200, a page in another layout,
  unchanged pages captured again, a missing country): what is listed, fetched, skipped and loaded;
- the demo snapshots with politeness on and off, the index paged 3 rows at a time so that it is
  asked several times: requests a minute to the index and a second to the captures, from the times
  the stand-in received them (the waits are real here).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ecei.demo.wayback_standin import (
    LIVE_SITE,
    NOT_FOUND_PAGE,
    ArchivedCapture,
    StandIn,
    demo_captures,
    serve_archive,
    snapshot_captures,
    snapshot_pages,
)
from ecei.rebuild.wayback import WaybackResult, backfill_wayback
from ecei.rebuild.wayback_client import ArchiveClient
from ecei.settings import LIVE_START_URL, Settings

ECEI = str(Path(sys.executable).with_name("ecei"))
COUNTRY = "/benchmarked-clusters/?country="
ITALY, NORWAY = "9e12d7ea56424278935b25692c9c6de9", "9e0e2d07-b7a9-47ae-a816-cf7692205403"


def rough_archive() -> list[ArchivedCapture]:
    """The demo snapshots as a real archive keeps them, with its usual oddities."""
    captures = []
    for snapshot, at, missing in (
        ("2016-06", dt.datetime(2016, 6, 14, 17, 3, 21), ()),
        ("2018-10", dt.datetime(2018, 10, 20, 8, 30, 41), (COUNTRY + NORWAY,)),
        ("2021-09", dt.datetime(2021, 9, 15, 9, 0, 0), ()),
    ):
        for i, c in enumerate(snapshot_captures(snapshot, at, left_out=missing)):
            shifted = dataclasses.replace(c, at=c.at + dt.timedelta(days=3 * i, hours=i))
            if ITALY in c.original:
                shifted.original = "http://cluster-analysis.org" + COUNTRY + ITALY.upper()
            captures.append(shifted)
        pages = snapshot_pages(snapshot)
        captures.append(ArchivedCapture(at + dt.timedelta(days=1), LIVE_SITE + "/benchmarked-clusters", pages[
            "/benchmarked-clusters"
        ]))  # fmt: skip
    overview = LIVE_SITE + "/benchmarked-clusters"
    captures += [
        ArchivedCapture(dt.datetime(2017, 3, 1), "http://cluster-analysis.org/benchmarked-clusters", status=301),
        ArchivedCapture(dt.datetime(2019, 5, 1), overview, NOT_FOUND_PAGE),
        ArchivedCapture(
            dt.datetime(2021, 9, 15, 12),
            LIVE_SITE + COUNTRY + ITALY,
            snapshot_pages("2021-09")[COUNTRY + ITALY].replace(b"<th>Comparative portfolio</th>", b"<th>Sector</th>"),
        ),
    ]
    return captures


def backfill(standin: StandIn, polite: bool, page_size: int = 1000) -> tuple[WaybackResult, float]:
    with tempfile.TemporaryDirectory(prefix="ecei-bench-wayback-") as tmp:
        settings = Settings(
            db=Path(tmp) / "ecei.duckdb", start_url=LIVE_START_URL, wayback_url=standin.base_url, polite=polite
        )
        client = ArchiveClient(settings.wayback_url, settings.user_agent, polite=polite, page_size=page_size)
        started = time.perf_counter()
        result = backfill_wayback(settings, client=client)
        return result, time.perf_counter() - started


def rates(standin: StandIn) -> dict[str, tuple[int, float, float]]:
    """Per kind: requests, their mean rate (a minute for the index, a second for captures), the shortest gap."""
    found = {}
    for kind, per in (("cdx", 60.0), ("capture", 1.0)):
        times = [t for t, k, _ in standin.arrivals if k == kind]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        found[kind] = (len(times), (len(times) - 1) / span * per if span else float("nan"), min(gaps, default=0.0))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat

    times = []
    for _ in range(repeat):
        with serve_archive(demo_captures()) as standin:
            result, seconds = backfill(standin, polite=False)
        times.append(seconds)
    spread = ", ".join(f"{t:.2f}" for t in sorted(times))
    print(f"demo snapshots, ECEI_POLITE=false, in process: {len(result.backfill.runs)} runs, {spread} s")
    print(f"  listed {result.listed}, fetched {result.fetched}, unchanged {result.reused}, skipped {result.skipped}")
    whole = []
    for _ in range(repeat):
        with serve_archive(demo_captures()) as standin, tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "ECEI_WAYBACK_URL": standin.base_url, "ECEI_POLITE": "false"}
            command = [ECEI, "backfill", "--wayback", "--start-url", LIVE_START_URL, "--db", f"{tmp}/ecei.duckdb"]
            started = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            whole.append(time.perf_counter() - started)
    print(f"demo snapshots, `ecei backfill --wayback` process: {', '.join(f'{t:.2f}' for t in sorted(whole))} s")

    with serve_archive(rough_archive()) as standin:
        rough, seconds = backfill(standin, polite=False)
    print(
        f"rough archive: listed {rough.listed}, fetched {rough.fetched}, unchanged {rough.reused}, "
        f"skipped {dict(rough.skipped)}, runs {len(rough.backfill.runs)} ({rough.runs_partial} partial), "
        f"by year {rough.runs_by_year}, {seconds:.2f} s"
    )

    for polite in (True, False):
        with serve_archive(demo_captures()) as standin:
            _, seconds = backfill(standin, polite=polite, page_size=3)
            found = rates(standin)
        cdx, capture = found["cdx"], found["capture"]
        print(
            f"polite={polite}: {seconds:.2f} s; "
            f"index {cdx[0]} requests, {cdx[1]:.1f}/min, shortest gap {cdx[2]:.3f} s; "
            f"captures {capture[0]} requests, {capture[1]:.1f}/s, shortest gap {capture[2]:.3f} s"
        )


if __name__ == "__main__":
    main()
