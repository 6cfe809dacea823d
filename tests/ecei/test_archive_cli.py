"""`ecei archive`, `ecei replay` and `ecei backfill` as a user runs them: real processes, exit codes, output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ecei.mirror import demo_site, serve
from ecei.refresh import refresh
from ecei.settings import Settings
from tests.conftest import query
from tests.ecei.test_cli import ecei
from tests.ecei.warcs import JUNE_2016, write_warc


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("archive-cli") / "demo.duckdb"
    with serve(demo_site("2018-10")) as mirror:
        settings = Settings(start_url=mirror.start_url, db=db, polite=False)
        assert refresh(settings).status == "ok"
        mirror.switch(demo_site("2021-09"))
        assert refresh(settings).status == "ok"
    return db


def test_archive_list_shows_every_kept_answer(demo_db: Path) -> None:
    done = ecei("archive", "list", "--db", str(demo_db), "--json")
    assert done.returncode == 0, done.stderr
    kept = json.loads(done.stdout)
    assert [k["run_id"] for k in kept] == [1] * 6 + [2] * 6
    assert sorted(k["kind"] for k in kept if k["run_id"] == 1) == ["country"] * 4 + ["overview", "robots"]
    table = ecei("archive", "list", "--db", str(demo_db), "--run", "2")
    assert table.returncode == 0 and "robots" in table.stdout and "overview" in table.stdout
    assert "12 answers kept from 2 runs" in table.stderr


def test_archive_show_prints_the_body_as_fetched(demo_db: Path) -> None:
    overview = query(demo_db, "select url from archived_pages where run_id = 1 and kind = 'overview'")[0][0]
    done = ecei("archive", "show", overview, "--db", str(demo_db), "--run", "1")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (demo_site("2018-10") / "overview.html").read_text()
    missing = ecei("archive", "show", "http://nowhere.example/", "--db", str(demo_db))
    assert missing.returncode == 2 and "no kept body" in missing.stderr


def test_replay_into_a_new_file_then_refuses_to_overwrite_it(demo_db: Path, tmp_path: Path) -> None:
    into = tmp_path / "replayed.duckdb"
    done = ecei("replay", "--db", str(demo_db), "--into", str(into), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [r["status"] for r in result["runs"]] == ["ok", "ok"]
    sql = "select * from cluster_history order by all"
    assert query(into, sql) == query(demo_db, sql)
    again = ecei("replay", "--db", str(demo_db), "--into", str(into))
    assert again.returncode == 2 and "exists" in again.stderr


def test_backfill_puts_an_older_capture_first(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    warc = write_warc(tmp_path / "old.warc.gz", [("2016-06", JUNE_2016, set())])
    done = ecei("backfill", str(warc), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "1 new runs" in done.stderr
    runs = query(db, "select run_id, started_at from crawl_runs order by run_id")
    assert [r[0] for r in runs] == [1, 2, 3] and runs[0][1] == JUNE_2016
    again = ecei("backfill", str(warc), "--db", str(db))
    assert again.returncode == 0 and "nothing new" in again.stderr
