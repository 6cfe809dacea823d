"""`ecei report` as a user runs it: one self-contained file, its figures, and what it refuses."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import ecei
from tests.conftest import query


def test_report_writes_one_file_and_says_its_figures(history_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "report.html"
    done = ecei("report", "--db", str(history_db), "--out", str(out), "--today", "2016-06-15", wide=True)
    assert done.returncode == 0, done.stderr
    assert out.is_file() and not list(out.parent.glob("*.part"))
    (listed,) = query(history_db, "select count(*) from clusters_current")[0]
    assert f"{listed} clusters listed" in done.stdout and "as of 2016-06-15" in done.stdout
    html = out.read_text(encoding="utf-8")
    # self-contained: no script, style or image is loaded from elsewhere
    assert "<script src" not in html and "<link" not in html and 'src="http' not in html


def test_report_today_defaults_to_today(history_db: Path, tmp_path: Path) -> None:
    done = ecei("report", "--db", str(history_db), "--out", str(tmp_path / "r.html"), wide=True)
    assert done.returncode == 0, done.stderr
    (today,) = query(history_db, "select (now() at time zone 'UTC')::date")[0]
    assert f"as of {today.isoformat()}" in done.stdout


def test_report_refuses_a_bad_date_and_a_missing_warehouse(history_db: Path, tmp_path: Path) -> None:
    bad = ecei("report", "--db", str(history_db), "--out", str(tmp_path / "r.html"), "--today", "15/06/2016", wide=True)
    assert bad.returncode == 2 and "--today" in bad.stderr
    missing = ecei("report", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "r.html"), wide=True)
    assert missing.returncode == 2 and "no warehouse" in missing.stderr
    assert not (tmp_path / "none.duckdb").exists() and not (tmp_path / "r.html").exists()
