"""`ecei backfill` as a user runs it: a real process, its exit codes and output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from ecei.demo.wayback_standin import demo_captures, serve_archive
from tests.cli.helpers import ECEI, ecei
from tests.conftest import query
from tests.ecei.processes import wait_for
from tests.warcs import JUNE_2016, write_warc


def test_backfill_puts_an_older_capture_first(archived_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(archived_db, db)
    warc = write_warc(tmp_path / "old.warc.gz", [("2016-06", JUNE_2016, set())])
    done = ecei("backfill", str(warc), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "1 new runs" in done.stderr
    runs = query(db, "select run_id, started_at from crawl_runs order by run_id")
    assert [r[0] for r in runs] == [1, 2, 3] and runs[0][1] == JUNE_2016
    again = ecei("backfill", str(warc), "--db", str(db))
    assert again.returncode == 0 and "nothing new" in again.stderr


def test_a_killed_wayback_backfill_fetches_only_what_is_missing_and_ends_with_the_same_history(
    tmp_path: Path,
) -> None:
    captures = demo_captures()
    stuck = next(c for c in captures if c.at.year == 2018 and "country=" in c.original)
    stuck_path = f"/web/{stuck.timestamp}id_/{stuck.original}"
    db, whole = tmp_path / "killed.duckdb", tmp_path / "whole.duckdb"
    with serve_archive(captures) as standin:
        env = {**os.environ, "ECEI_WAYBACK_URL": standin.base_url, "ECEI_POLITE": "false"}
        uninterrupted = ecei("backfill", "--wayback", "--db", str(whole), env=env)
        assert uninterrupted.returncode == 0, uninterrupted.stderr
        assert "3 new runs" in uninterrupted.stderr and "2016: 1, 2018: 1, 2021: 1" in uninterrupted.stderr

        standin.hang.add(stuck_path)
        standin.arrivals.clear()
        killed = subprocess.Popen(
            [ECEI, "backfill", "--wayback", "--db", str(db)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        wait_for(lambda: stuck_path in standin.requested("capture"), "the backfill to reach the capture that hangs")
        killed.kill()
        killed.communicate(timeout=60)
        kept = {row[0] for row in query(db, "select archive_url from archive_captures")}
        assert 0 < len(kept) < len(captures)
        assert query(db, "select count(*) from crawl_runs") == [(0,)]

        standin.hang.clear()
        standin.arrivals.clear()
        resumed = ecei("backfill", "--wayback", "--db", str(db), env=env)
        fetched_again = {standin.base_url + path for path in standin.requested("capture")}
        again = ecei("backfill", "--wayback", "--db", str(db), "--json", env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert fetched_again and not fetched_again & kept
    runs = (
        "select run_id, started_at, status, source, source_name, rows_loaded, added, changed, removed from crawl_runs"
    )
    assert query(db, runs + " order by run_id") == query(whole, runs + " order by run_id")
    assert query(db, "select * from cluster_history order by all") == query(
        whole, "select * from cluster_history order by all"
    )
    assert again.returncode == 0 and json.loads(again.stdout)["new_runs"] == 0


def test_backfill_wants_warcs_or_wayback(tmp_path: Path) -> None:
    neither = ecei("backfill", "--db", str(tmp_path / "x.duckdb"))
    assert neither.returncode == 2 and "give WARC files or --wayback" in neither.stderr
    since = ecei("backfill", "--wayback", "--since", "2016-02-30", "--db", str(tmp_path / "x.duckdb"))
    assert since.returncode == 2 and "--since" in since.stderr


def test_status_and_history_say_where_the_runs_came_from(tmp_path: Path) -> None:
    db = tmp_path / "history.duckdb"
    with serve_archive() as standin:
        env = {**os.environ, "ECEI_WAYBACK_URL": standin.base_url, "ECEI_POLITE": "false"}
        assert ecei("backfill", "--wayback", "--db", str(db), env=env).returncode == 0
        overview = f"{standin.base_url}/web/20210915090000id_/https://www.cluster-analysis.org/benchmarked-clusters"
    status = ecei("status", "--db", str(db), wide=True)
    assert f"from: web archive capture {overview}" in status.stdout
    assert json.loads(ecei("status", "--json", "--db", str(db)).stdout)["last_refresh"]["source"] == "wayback"
    history = ecei("history", "Seafood Innovation Cluster", "--db", str(db), wide=True)
    assert history.returncode == 0, history.stderr
    assert "versions seen in web archive captures: 1" in history.stdout
