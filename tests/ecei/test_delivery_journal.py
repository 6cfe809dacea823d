"""The delivery journal beside a warehouse: one line per digest delivered, read back whatever a crash left."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ecei.delivery_journal import Delivery, append, clear, delivered, journal_path, read

AT = dt.datetime(2024, 1, 2, 3, 4, 5)


def test_deliveries_read_back_in_order_and_a_torn_line_is_skipped(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    first = Delivery(1, "json:aaaa", [1, 2], ["json:aaaa", "mailto:bbbb"], AT)
    second = Delivery(1, "mailto:bbbb", [2], ["json:aaaa", "mailto:bbbb"], AT)
    append(db, first)
    append(db, second)
    with journal_path(db).open("a") as fh:
        fh.write('{"alert_run_id": 2, "channel": "json:aa')  # a crash in the middle of a line
    assert read(db) == [first, second]
    assert delivered(read(db)) == {(1, "json:aaaa"), (2, "json:aaaa"), (2, "mailto:bbbb")}
    clear(db)
    assert read(db) == [] and not journal_path(db).exists()


def test_one_journal_per_real_file(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    (tmp_path / "other").mkdir()
    link = tmp_path / "other" / "link.duckdb"
    link.symlink_to(db)
    append(link, Delivery(None, "json:aaaa", [1], ["json:aaaa"], AT))
    assert journal_path(link) == journal_path(db) == tmp_path / "w.duckdb.deliveries.jsonl"
    assert len(read(db)) == 1
