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


def test_report_on_the_demo_business_day(dated_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = ecei("report", "--db", str(dated_db), "--out", str(out), "--today", "2021-10-01", wide=True)
    assert done.returncode == 0, done.stderr
    (listed, valid) = query(
        dated_db, "select count(*), count(*) filter (valid_until >= date '2021-10-01') from clusters_current"
    )[0]
    assert "the latest list (observed by run 3) judged as of 2021-10-01: " in done.stdout
    assert f"{listed} clusters listed, {valid} label{'' if valid == 1 else 's'} valid" in done.stdout and valid > 0


def test_report_as_of_a_day_is_that_day_s_list_judged_on_it(dated_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = ecei("report", "--db", str(dated_db), "--out", str(out), "--as-of", "2018-12-31", wide=True)
    assert done.returncode == 0, done.stderr
    (listed, valid) = query(
        dated_db,
        "select count(*), count(*) filter (valid_until >= date '2018-12-31') "
        "from clusters_as_of(timestamp '2018-12-31 23:59:59.999999')",
    )[0]
    assert (listed, valid) != query(
        dated_db, "select count(*), count(*) filter (valid_until >= date '2018-12-31') from clusters_current"
    )[0]
    assert "the list as of 2018-12-31T23:59:59Z (observed by run 2) judged as of 2018-12-31: " in done.stdout
    assert f"{listed} clusters listed, {valid} label{'' if valid == 1 else 's'} valid" in done.stdout
    assert '<strong id="as-of">2018-12-31T23:59:59Z</strong>' in out.read_text(encoding="utf-8")


def test_report_as_of_a_timestamp_with_a_zone_or_a_run(dated_db: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "r.html")
    # 10:00 at +02:00 is 08:00 UTC, an hour before the 2018 run: the 2016 list
    before = ecei("report", "--db", str(dated_db), "--out", out, "--as-of", "2018-10-15T10:00+02:00", wide=True)
    assert before.returncode == 0, before.stderr
    assert "the list as of 2018-10-15T08:00:00Z (observed by run 1)" in before.stdout
    run = ecei("report", "--db", str(dated_db), "--out", out, "--as-of", "run:2", "--today", "2016-06-15", wide=True)
    assert run.returncode == 0, run.stderr
    assert "the list as of 2018-10-15T09:00:00Z (observed by run 2) judged as of 2016-06-15" in run.stdout


def test_report_refuses_an_unknown_run_and_a_bad_point(dated_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    unknown = ecei("report", "--db", str(dated_db), "--out", str(out), "--as-of", "run:9", wide=True)
    assert unknown.returncode == 2 and "no run 9: runs are 1 to 3" in unknown.stderr
    bad = ecei("report", "--db", str(dated_db), "--out", str(out), "--as-of", "last tuesday", wide=True)
    assert bad.returncode == 2 and "--as-of" in bad.stderr and "not a point in time" in bad.stderr
    assert not out.exists()


def test_report_help_says_what_each_day_means() -> None:
    done = ecei("report", "--help", wide=True)
    assert done.returncode == 0
    text = " ".join(done.stdout.replace("│", " ").split())
    assert "The business day the list is judged against" in text and "it never changes which list" in text
    assert "--as-of" in text and "Without --today: the day of --as-of, or else today in ECEI_TIMEZONE" in text
