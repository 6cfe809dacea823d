"""Real refresh processes at once, and `ecei sql` while one merges: busy, never doubled, no traceback.

A first refresh is held inside its merge transaction by the ECEI_MERGE_HOLD test hook, so the
second process and the query meet it there, whatever the machine's speed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

from ecei.demo.mirror import Mirror, demo_site
from ecei.settings import Settings
from tests.conftest import query
from tests.ecei.processes import ECEI, lock_probe, start_refresh, wait_for


def hold_in_merge(settings: Settings, hold: Path) -> subprocess.Popen[str]:
    hold.touch()
    first = start_refresh(settings, ECEI_MERGE_HOLD=str(hold))
    reached = hold.with_name(hold.name + ".reached")
    wait_for(lambda: reached.exists() or first.poll() is not None, "the first refresh's merge")
    assert first.poll() is None, first.communicate()
    return first


def no_duplicate_versions(db: Path) -> bool:
    sql = "select count(*) from (select cluster_id from versions where valid_to is null group by 1 having count(*) > 1)"
    return query(db, sql) == [(0,)]


def test_second_refresh_and_sql_while_one_merges(settings: Settings, mirror: Mirror, tmp_path: Path) -> None:
    mirror.switch(demo_site("2016-06"))
    hold = tmp_path / "hold"
    first = hold_in_merge(settings, hold)

    second = start_refresh(settings)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 4, err
    assert json.loads(out)["status"] == "busy"
    assert "another refresh is running" in json.loads(out)["message"]
    assert "Traceback" not in err

    def ask(*live: str) -> subprocess.CompletedProcess[str]:
        statement = "select count(*) as n from clusters_current"
        return subprocess.run(
            [ECEI, "sql", *live, "--db", str(settings.db), "--format", "csv", statement],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "ECEI_BUSY_TIMEOUT": "1"},
        )

    # the published copy answers at once: the warehouse as the run started (ecei.outputs.publish)
    published = ask()
    assert (published.returncode, published.stdout, published.stderr) == (0, "n\n0\n", "")
    sql = ask("--live")
    assert sql.returncode == 4
    assert "busy" in sql.stderr and "waited 1." in sql.stderr
    assert "Traceback" not in sql.stderr

    hold.unlink()
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert query(settings.db, "select count(*), count(*) filter (where status = 'ok') from crawl_runs") == [(1, 1)]
    assert no_duplicate_versions(settings.db)


def test_second_refresh_waits_with_lock_wait(settings: Settings, mirror: Mirror, tmp_path: Path) -> None:
    mirror.switch(demo_site("2016-06"))
    hold = tmp_path / "hold"
    first = hold_in_merge(settings, hold)
    tried = tmp_path / "second-tried-the-lock"
    second = start_refresh(settings, ECEI_LOCK_WAIT="300", **lock_probe(tmp_path / "probe", tried))
    # the moment the test is about: the second reaches the lock while the first still holds it
    wait_for(lambda: tried.exists() or second.poll() is not None, "the second refresh to reach the lock")
    assert second.poll() is None, second.communicate()
    assert first.poll() is None, first.communicate()
    released = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    hold.unlink()
    for process in (first, second):
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    later = json.loads(out)
    assert (later["added"], later["changed"], later["removed"]) == (0, 0, 0)
    runs = query(settings.db, "select run_id, status, started_at, finished_at from crawl_runs order by run_id")
    assert [(run_id, status) for run_id, status, _, _ in runs] == [(1, "ok"), (2, "ok")]
    # it tried the lock before the release and began its run after it: it waited for the first
    assert later["run_id"] == 2 and runs[1][2] > released
    assert no_duplicate_versions(settings.db)
    (versions,) = query(settings.db, "select count(*) from versions")[0]
    assert versions == later["rows_loaded"]
