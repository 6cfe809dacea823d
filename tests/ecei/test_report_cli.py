"""The report, export, history and check commands as a user runs them: real processes, exit codes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from ecei.mirror import Fault, Mirror
from tests.conftest import COUNTRY_PATH, ITALY, query

ECEI = str(Path(sys.executable).with_name("ecei"))


def ecei(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # wide enough that rich tables keep each row on one line
    env = {**(env or os.environ), "COLUMNS": "200"}
    return subprocess.run([ECEI, *args], capture_output=True, text=True, timeout=180, cwd=cwd, env=env)


def test_report_writes_one_file_and_says_its_figures(history_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "report.html"
    done = ecei("report", "--db", str(history_db), "--out", str(out), "--today", "2016-06-15")
    assert done.returncode == 0, done.stderr
    assert out.is_file() and not list(out.parent.glob("*.part"))
    (listed,) = query(history_db, "select count(*) from clusters_current")[0]
    assert f"{listed} clusters listed" in done.stdout and "as of 2016-06-15" in done.stdout
    html = out.read_text(encoding="utf-8")
    # self-contained: no script, style or image is loaded from elsewhere
    assert "<script src" not in html and "<link" not in html and 'src="http' not in html


def test_report_today_defaults_to_today(history_db: Path, tmp_path: Path) -> None:
    done = ecei("report", "--db", str(history_db), "--out", str(tmp_path / "r.html"))
    assert done.returncode == 0, done.stderr
    (today,) = query(history_db, "select (now() at time zone 'UTC')::date")[0]
    assert f"as of {today.isoformat()}" in done.stdout


def test_report_refuses_a_bad_date_and_a_missing_warehouse(history_db: Path, tmp_path: Path) -> None:
    bad = ecei("report", "--db", str(history_db), "--out", str(tmp_path / "r.html"), "--today", "15/06/2016")
    assert bad.returncode == 2 and "--today" in bad.stderr
    missing = ecei("report", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "r.html"))
    assert missing.returncode == 2 and "no warehouse" in missing.stderr
    assert not (tmp_path / "none.duckdb").exists() and not (tmp_path / "r.html").exists()


def test_export_csv(history_db: Path, tmp_path: Path) -> None:
    done = ecei("export", "--db", str(history_db), "--format", "csv", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "clusters_current.csv" in files and "crawl_runs.csv" in files
    header = (tmp_path / "out" / "clusters_current.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("cluster_id,country,country_id,name,portfolio")


def test_export_refuses_an_unknown_format(history_db: Path, tmp_path: Path) -> None:
    done = ecei("export", "--db", str(history_db), "--format", "xml", str(tmp_path / "out"))
    assert done.returncode == 2 and "parquet" in done.stderr
    assert not (tmp_path / "out").exists()


def test_history_timeline(history_db: Path) -> None:
    done = ecei("history", "arena legasea", "--country", "Norway", "--db", str(history_db))
    assert done.returncode == 0, done.stderr
    assert "Arena Legasea (Norway)" in done.stdout
    assert "renewed (was 2018-01-27)" in done.stdout
    assert "listed now; label valid until 2021-01-27" in done.stdout


def test_history_of_an_unknown_name_suggests(history_db: Path) -> None:
    done = ecei("history", "Seafood", "--db", str(history_db))
    assert done.returncode == 1
    assert "no cluster named 'Seafood'" in done.stderr
    assert "NCE Seafood Innovation Cluster (Norway)" in done.stderr


def test_check_ok_writes_nothing(mirror: Mirror, tmp_path: Path) -> None:
    env = {**os.environ, "ECEI_DB": str(tmp_path / "ecei.duckdb")}
    done = ecei("check", "--start-url", mirror.start_url, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "Name | Comparative portfolio | www | Label valid until" in done.stdout
    assert "ok: the site looks as the spider expects" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_check_explains_a_changed_header(mirror: Mirror, tmp_path: Path) -> None:
    mirror.faults = {COUNTRY_PATH + ITALY: Fault(rewrite=lambda b: b.replace(b"<th>www</th>", b"<th>Website</th>"))}
    done = ecei("check", "--start-url", mirror.start_url, cwd=tmp_path)
    assert done.returncode == 1
    assert "problem:" in done.stderr and "'Website'" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_check_honours_the_download_timeout(mirror: Mirror, tmp_path: Path) -> None:
    mirror.faults = {"/benchmarked-clusters": Fault(hang=True)}
    env = {**os.environ, "ECEI_DOWNLOAD_TIMEOUT": "0.5"}
    done = ecei("check", "--start-url", mirror.start_url, cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert "timed out" in done.stderr


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
    )
    assert done.returncode == 1, done.stderr
    figures = json.loads(done.stdout)  # exactly one JSON document, nothing else on stdout
    assert isinstance(figures, dict) and figures["status"] == "failed" and figures["message"]
    assert done.stdout.strip().count("\n") == 0
