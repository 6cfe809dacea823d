"""`ecei backfill` as a user runs it: a real process, its exit codes and output."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cli.helpers import ecei
from tests.conftest import query
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
