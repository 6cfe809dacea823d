"""The delivery journal beside a warehouse: one line per digest delivered, read back whatever a crash left."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ecei.delivery_journal import Delivery, append, clear, delivered, journal_path, names, read

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


def test_a_delivery_keeps_the_channel_name_and_older_lines_still_read(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    append(db, Delivery(3, "json:aaaa", [1], ["json:aaaa"], AT, "json://hooks.example.org"))
    with journal_path(db).open("a") as fh:  # a line written before deliveries had names
        fh.write('{"alert_run_id": 3, "channel": "mailto:bbbb", "alert_ids": [1], "channels": ["mailto:bbbb"], ')
        fh.write('"delivered_at": "2024-01-02T03:04:05"}\n')
    first, older = read(db)
    assert (first.name, older.name, older.channel) == ("json://hooks.example.org", "", "mailto:bbbb")
    assert names(read(db)) == ["json://hooks.example.org", "mailto:bbbb"]
