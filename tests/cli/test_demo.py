"""`ecei demo build` and `ecei demo serve` as a user runs them: real processes, a real HTTP server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

from ecei.demo.mirror import SNAPSHOT_DATES, demo_site
from ecei.rebuild.backfill import backfill
from ecei.settings import LIVE_START_URL
from tests.cli.helpers import ECEI, ecei
from tests.conftest import query
from tests.warcs import JUNE_2016, write_warc


def test_build_shows_the_runs_at_their_dates(tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    done = ecei("demo", "build", "--db", str(db), "--warcs", str(tmp_path / "captures"), wide=True)
    assert done.returncode == 0, done.stderr
    for day in ("2016-06-15T09:00:00Z", "2018-10-15T09:00:00Z", "2021-09-15T09:00:00Z"):
        assert day in done.stdout
    assert query(db, "select count(*) from crawl_runs where status = 'ok'") == [(3,)]
    kept = sorted(p.name for p in (tmp_path / "captures").iterdir())
    assert kept == ["demo-2016-06.warc.gz", "demo-2018-10.warc.gz", "demo-2021-09.warc.gz"]
    # the kept captures are what `ecei backfill` reads: the same run, already there
    again = ecei(
        "backfill",
        str(tmp_path / "captures" / kept[0]),
        "--db",
        str(db),
        "--start-url",
        "https://demo.ecei-watch.invalid/benchmarked-clusters",
    )
    assert again.returncode == 0 and "nothing new" in again.stderr


def test_build_refuses_a_warehouse_of_the_real_site(tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    backfill(db, [write_warc(tmp_path / "real.warc", [("2016-06", JUNE_2016, set())])], LIVE_START_URL)
    before = db.read_bytes()
    done = ecei("demo", "build", "--db", str(db))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("refused: ") and "real site" in lines[0]
    assert db.read_bytes() == before


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([ECEI, "demo", "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_serve_answers_until_ctrl_c(tmp_path: Path) -> None:
    server = _serve("2016-06", "--port", "0")
    try:
        assert server.stdout is not None
        start_url = server.stdout.readline().strip()  # the one line on stdout: where it serves
        assert start_url.startswith("http://127.0.0.1:") and start_url.endswith("/benchmarked-clusters")
        with urllib.request.urlopen(start_url, timeout=10) as answer:
            assert answer.read() == (demo_site("2016-06") / "overview.html").read_bytes()
        checked = ecei("check", "--start-url", start_url, env={**os.environ, "ECEI_RETRY_TIMES": "0"})
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "looks as the spider expects" in checked.stdout
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0, stderr
    assert "stopped" in stderr and "Traceback" not in stderr


def test_serve_on_a_taken_port_is_refused() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = _serve("--port", str(port))
        _, stderr = server.communicate(timeout=60)
    assert server.returncode == 2
    assert f"cannot serve on 127.0.0.1:{port}" in stderr and "--port" in stderr


def test_serve_an_unknown_snapshot_is_a_usage_error() -> None:
    done = ecei("demo", "serve", "1999-01")
    assert done.returncode == 2
    assert done.stderr.startswith("usage error: ") and "2016-06, 2018-10, 2021-09" in done.stderr


def test_serve_as_a_web_archive_feeds_a_wayback_backfill(tmp_path: Path) -> None:
    server = _serve("--wayback", "--port", "0")
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:")
        env = {**os.environ, "ECEI_WAYBACK_URL": base, "ECEI_POLITE": "false"}
        done = ecei("backfill", "--wayback", "--db", str(tmp_path / "history.duckdb"), env=env)
        assert done.returncode == 0, done.stderr
        assert "by year: 2016: 1, 2018: 1, 2021: 1" in done.stderr
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0 and "stopped" in stderr
    runs = query(tmp_path / "history.duckdb", "select started_at, status, source from crawl_runs order by run_id")
    assert runs == [(at, "ok", "wayback") for at in SNAPSHOT_DATES.values()]
