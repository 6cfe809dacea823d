"""A refresh killed with SIGKILL, as a real process: the warehouse keeps exactly what it had.

The refresh runs as `ecei refresh` in a child process against the mirror served by this test;
it is killed while its crawl waits on a hanging page, inside its merge transaction (held there by
the ECEI_MERGE_HOLD test hook), and at random moments. Its own crawl process must end as well.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ecei.demo.mirror import Fault, Mirror, demo_site
from ecei.refresh.run import refresh
from ecei.settings import Settings
from tests.conftest import COUNTRY_PATH, NORWAY, query
from tests.ecei.processes import ECEI, start_refresh, wait_for

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds child processes in /proc")


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"  # a zombie has ended; only its parent's wait is due


def contents(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the warehouse, in full."""
    tables = [r[0] for r in query(db, "select table_name from duckdb_tables() order by 1")]
    return {t: query(db, f"select * from {t} order by all") for t in tables}


def assert_unchanged_but_a_running_run(before: dict[str, Any], after: dict[str, Any]) -> list[int]:
    """All tables equal, but for the killed runs' rows: they stay 'running'. Returns their ids."""
    assert {t: v for t, v in after.items() if t != "runs"} == {t: v for t, v in before.items() if t != "runs"}
    known = {r[0]: r for r in before["runs"]}
    for run in after["runs"]:
        was = known.get(run[0])
        if was is not None and was != run:
            # only a run already left 'running' by an earlier kill may change: the refresh that
            # started meanwhile marked it abandoned, in its own transaction, before it crawled
            message = next(v for v in run if isinstance(v, str) and v.startswith("abandoned"))
            assert was[3] == "running" and run[3] == "failed" and message, run
    added = [r for r in after["runs"] if r[0] not in known]
    assert all(r[3] == "running" for r in added), added
    return [r[0] for r in added]


def kill(child: subprocess.Popen[str]) -> list[int]:
    """SIGKILL the refresh (not its crawl), which must still be running; returns the crawl processes it had."""
    assert child.poll() is None, child.communicate()
    crawls = children_of(child.pid)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate()
    assert child.returncode == -signal.SIGKILL, "the refresh ended otherwise than by the kill"
    return crawls


def test_killed_while_crawling_leaves_the_warehouse_as_it_was(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None]
) -> None:
    start_from("2016-06")
    before = contents(settings.db)
    mirror.switch(demo_site("2021-09"))
    mirror.faults = {COUNTRY_PATH + NORWAY: Fault(hang=True)}
    mirror.requests.clear()
    child = start_refresh(settings)
    wait_for(lambda: COUNTRY_PATH + NORWAY in mirror.requests, "the crawl to reach the hanging page")

    # meanwhile the warehouse is free: `ecei sql` answers during a crawl
    done = subprocess.run(
        [ECEI, "sql", "--db", str(settings.db), "--format", "csv", "select count(*) from crawl_runs"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "2"), done.stderr

    crawls = kill(child)
    assert crawls, "the refresh had started its crawl process"
    wait_for(lambda: not any(alive(pid) for pid in crawls), "the orphaned crawl to end", limit=30)
    killed = assert_unchanged_but_a_running_run(before, contents(settings.db))
    assert len(killed) == 1

    mirror.faults = {}
    result = refresh(settings)
    assert result.status == "ok" and result.abandoned_runs == killed
    status, message = query(settings.db, "select status, message from crawl_runs where run_id = ?", killed)[0]
    assert status == "failed" and "abandoned" in message


def test_killed_inside_the_merge_transaction_leaves_the_warehouse_as_it_was(
    settings: Settings, mirror: Mirror, tmp_path: Path, start_from: Callable[[str], None]
) -> None:
    start_from("2016-06")
    before = contents(settings.db)
    mirror.switch(demo_site("2021-09"))  # the merge adds, changes and closes versions
    hold = tmp_path / "hold"
    hold.touch()
    child = start_refresh(settings, ECEI_MERGE_HOLD=str(hold))
    reached = hold.with_name("hold.reached")
    wait_for(lambda: reached.exists() or child.poll() is not None, "the merge")
    assert reached.exists(), "the refresh never reached its merge's commit"
    kill(child)
    killed = assert_unchanged_but_a_running_run(before, contents(settings.db))
    assert len(killed) == 1

    result = refresh(settings)
    assert result.status == "ok" and result.abandoned_runs == killed
    assert result.recorded["removed"] > 0  # the next run does what the killed one did not commit


def test_killed_at_random_moments_never_leaves_half_a_run(
    settings: Settings, mirror: Mirror, tmp_path: Path, start_from: Callable[[str], None]
) -> None:
    start_from("2016-06")
    chance = random.Random(4)  # a fixed seed: the same moments on every machine of the same speed
    snapshots = ["2018-10", "2021-09", "2018-10"]
    killed: list[int] = []
    hold = tmp_path / "hold"
    reached = hold.with_name("hold.reached")
    for snapshot in snapshots:
        before = contents(settings.db)
        mirror.switch(demo_site(snapshot))
        # held before its commit, the refresh cannot end on its own: every kill falls on a live
        # process, at the random moment or, if it comes first, inside the merge's transaction
        hold.touch()
        reached.unlink(missing_ok=True)
        child = start_refresh(settings, ECEI_MERGE_HOLD=str(hold))
        deadline = time.monotonic() + chance.uniform(0.5, 6.0)
        while time.monotonic() < deadline and not reached.exists() and child.poll() is None:
            time.sleep(0.02)
        kill(child)  # asserts the process was live and died of the kill
        killed += assert_unchanged_but_a_running_run(before, contents(settings.db))
    hold.unlink()

    result = refresh(settings)
    assert result.status == "ok"
    assert set(result.abandoned_runs) <= set(killed)
    runs = query(settings.db, "select run_id, status, message from crawl_runs order by run_id")
    assert all(status == "failed" and "abandoned" in message for run_id, status, message in runs if run_id in killed)
    assert all(status != "running" for _, status, _ in runs)
    # however the kills fell, the history is that of complete runs: one current version per cluster
    dupes = query(
        settings.db,
        "select count(*) from (select cluster_id from versions where valid_to is null group by 1 having count(*) > 1)",
    )
    assert dupes == [(0,)]
    rows = query(
        settings.db,
        "select rows_seen, rows_loaded, rows_duplicate, rows_rejected from crawl_runs where status <> 'failed'",
    )
    assert all(seen == loaded + dup + rej for seen, loaded, dup, rej in rows)
