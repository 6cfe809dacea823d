"""`ecei archive list|show` as a user runs them: real processes, exit codes, output."""

from __future__ import annotations

import json
from pathlib import Path

from ecei.demo.mirror import demo_site
from tests.cli.helpers import ecei
from tests.conftest import query


def test_archive_list_shows_every_kept_answer(archived_db: Path) -> None:
    done = ecei("archive", "list", "--db", str(archived_db), "--json")
    assert done.returncode == 0, done.stderr
    kept = json.loads(done.stdout)
    assert [k["run_id"] for k in kept] == [1] * 6 + [2] * 6
    assert sorted(k["kind"] for k in kept if k["run_id"] == 1) == ["country"] * 4 + ["overview", "robots"]
    table = ecei("archive", "list", "--db", str(archived_db), "--run", "2")
    assert table.returncode == 0 and "robots" in table.stdout and "overview" in table.stdout
    assert "12 answers kept from 2 runs" in table.stderr


def test_archive_show_prints_the_body_as_fetched(archived_db: Path) -> None:
    overview = query(archived_db, "select url from archived_pages where run_id = 1 and kind = 'overview'")[0][0]
    done = ecei("archive", "show", overview, "--db", str(archived_db), "--run", "1")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (demo_site("2018-10") / "overview.html").read_text()
    missing = ecei("archive", "show", "http://nowhere.example/", "--db", str(archived_db))
    assert missing.returncode == 2 and "no kept body" in missing.stderr
