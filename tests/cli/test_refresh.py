"""`ecei refresh` as a user runs it: a real process, its exit codes and its output."""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
from filelock import FileLock

from ecei.demo.mirror import demo_site, serve
from ecei.locks import refresh_lock_path
from ecei.rebuild.backfill import backfill
from ecei.settings import LIVE_START_URL
from tests.cli.helpers import ECEI, ecei
from tests.conftest import expected_rows, query
from tests.receivers import Webhook
from tests.warcs import JUNE_2016, write_warc


def test_refresh_json_prints_one_object(demo_db: Path) -> None:
    done = ecei("refresh", "--demo", "--demo-snapshot", "2018-10", "--db", str(demo_db), "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["status"] == "ok"
    assert figures["exit_code"] == 0
    assert figures["rows_seen"] == len(expected_rows("2018-10"))
    assert figures["rows_rejected"] == 1


def test_refresh_summary_names_the_figures(tmp_path: Path) -> None:
    done = ecei("refresh", "--demo", "--db", str(tmp_path / "x.duckdb"))
    assert done.returncode == 0, done.stderr
    for words in ("status", "rows seen / stated total", "added / changed / removed", "rejected"):
        assert words in done.stdout


def test_unknown_demo_snapshot_is_a_usage_error(tmp_path: Path) -> None:
    done = ecei("refresh", "--demo", "--demo-snapshot", "1999-01", "--db", str(tmp_path / "x.duckdb"))
    assert done.returncode == 2
    assert "1999-01" in done.stderr


def test_a_demo_snapshot_without_demo_is_a_usage_error(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    done = ecei("refresh", "--demo-snapshot", "2016-06", "--db", str(db))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "usage error: Invalid value for --demo-snapshot: it needs --demo (see `ecei refresh --help`)"
    ]
    assert not db.exists()


def test_demo_and_a_start_url_is_a_usage_error(tmp_path: Path) -> None:
    done = ecei("refresh", "--demo", "--start-url", "http://127.0.0.1:9/x", "--db", str(tmp_path / "x.duckdb"))
    assert done.returncode == 2
    assert done.stderr.startswith("usage error: Invalid value for --start-url: --demo crawls the bundled mirror")


def test_a_demo_refresh_onto_later_history_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    assert ecei("demo", "build", "--db", str(db)).returncode == 0
    before = db.read_bytes()
    done = ecei("refresh", "--demo", "--demo-snapshot", "2018-10", "--db", str(db))
    assert done.returncode == 2, done.stderr
    assert "recorded at 2018-10-15T09:00:00Z, but the last run started at 2021-09-15T09:00:00Z" in done.stderr
    assert db.read_bytes() == before


def test_a_demo_refresh_onto_a_real_site_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    backfill(db, [write_warc(tmp_path / "real.warc", [("2016-06", JUNE_2016, set())])], LIVE_START_URL)
    done = ecei("refresh", "--demo", "--demo-snapshot", "2021-09", "--db", str(db))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("refused: ") and "holds crawls of a real site" in lines[-1]
    assert query(db, "select count(*) from crawl_runs") == [(1,)]


def test_refresh_exits_4_when_busy(demo_db: Path) -> None:
    with FileLock(str(refresh_lock_path(demo_db))):
        done = ecei("refresh", "--demo", "--db", str(demo_db))
    assert done.returncode == 4
    assert "another refresh" in done.stderr


def test_settings_from_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.duckdb"
    done = ecei("refresh", "--demo", "--json", env={**os.environ, "ECEI_DB": str(db)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["db"] == str(db) and db.exists()


def test_refresh_json_stays_one_object_when_the_run_fails(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ECEI_RETRY_TIMES": "0", "ECEI_DOWNLOAD_TIMEOUT": "2"}
    done = ecei(
        "refresh",
        "--json",
        "--start-url",
        f"http://127.0.0.1:{port}/benchmarked-clusters",
        "--db",
        str(tmp_path / "w.duckdb"),
        env=env,
        wide=True,
    )
    assert done.returncode == 1, done.stderr
    figures = json.loads(done.stdout)  # exactly one JSON document, nothing else on stdout
    assert isinstance(figures, dict) and figures["status"] == "failed" and figures["message"]
    assert figures["exit_code"] == 1
    assert done.stdout.strip().count("\n") == 0


def test_a_full_disk_during_the_merge_is_one_line_and_merges_nothing(
    loaded: Callable[[str], Path], tmp_path: Path, webhook: Webhook
) -> None:
    # the disk fills while the merge waits to commit: the process may then write no byte past 4 kB
    # of any file (RLIMIT_FSIZE; Python ignores SIGXFSZ, so the write fails as on a full disk)
    db = tmp_path / "ecei.duckdb"
    shutil.copyfile(loaded("2016-06"), db)  # 2018-10 changes it: the merge has much to write
    hold = tmp_path / "hold"
    hold.touch()
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.execute("select * from versions order by all").fetchall()
    with serve(demo_site("2018-10")) as mirror:
        env = {
            **os.environ,
            "ECEI_MERGE_HOLD": str(hold),
            "ECEI_POLITE": "false",
            "ECEI_HEALTHCHECK_URL": f"http://127.0.0.1:{webhook.port}/ping/SECRET-UUID",
        }
        child = subprocess.Popen(
            [ECEI, "refresh", "--start-url", mirror.start_url, "--db", str(db)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        reached = hold.with_name("hold.reached")
        deadline = time.monotonic() + 120
        while not reached.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reached.exists(), "the merge never reached its commit"
        resource.prlimit(child.pid, resource.RLIMIT_FSIZE, (4096, 4096))
        hold.unlink()
        _, stderr = child.communicate(timeout=120)
    assert child.returncode == 1, stderr
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("failed, nothing merged: ") and "File too large" in last
    assert "SECRET-UUID" not in stderr
    # the schedule's monitor heard of the failure, though the merge raised
    assert webhook.gets == ["/ping/SECRET-UUID/fail"]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select * from versions order by all").fetchall() == before


def test_a_copy_of_the_demo_refuses_a_crawl_of_another_site_before_fetching(dated_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(dated_db, db)
    before = query(db, "select count(*) from crawl_runs")
    done = ecei("refresh", "--db", str(db), "--start-url", LIVE_START_URL)
    assert done.returncode == 2
    assert f"{db} is a demo warehouse (every run crawled the bundled snapshots)" in done.stderr
    assert query(db, "select count(*) from crawl_runs") == before  # no run recorded, nothing fetched


def test_a_malformed_healthcheck_url_is_refused_before_any_crawl(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    env = {**os.environ, "ECEI_HEALTHCHECK_URL": "http://[x/ping/SECRET-uuid", "ECEI_FEEDS_DIR": str(tmp_path / "f")}
    done = ecei("refresh", "--demo", "--db", str(db), env=env)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "ECEI_HEALTHCHECK_URL" in lines[0] and "SECRET" not in lines[0]
    assert not db.exists()  # refused at start: nothing crawled, no run recorded
