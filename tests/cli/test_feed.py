"""`ecei feed` as a user runs it: the feeds written and listed, the links asked for, what it refuses."""

from __future__ import annotations

import os
from pathlib import Path

import feedparser

from tests.cli.helpers import ecei
from tests.conftest import query


def test_feed_writes_and_lists_every_feed(dated_db: Path, tmp_path: Path) -> None:
    done = ecei("feed", "--out", str(tmp_path / "feeds"), "--db", str(dated_db), wide=True)
    assert done.returncode == 0, done.stderr
    written = sorted((tmp_path / "feeds").iterdir())
    countries = query(dated_db, "select count(distinct country_id) from changes")[0][0]
    assert len(written) == 2 + countries
    for path in written:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo
        row = next(line for line in done.stdout.splitlines() if path.name in line)
        assert f" {len(parsed.entries)} " in row and f"{path.stat().st_size:,}" in row
    assert f"wrote {len(written)} feeds" in done.stderr


def test_feed_links_where_it_is_told(dated_db: Path, tmp_path: Path) -> None:
    env = {**os.environ, "ECEI_FEEDS_LIMIT": "3"}
    done = ecei(
        "feed",
        "--out",
        str(tmp_path),
        "--db",
        str(dated_db),
        "--report-url",
        "https://ecei.example/report.html",
        "--feeds-url",
        "https://ecei.example/feeds",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    parsed = feedparser.parse((tmp_path / "changes.atom").read_bytes())
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links == {"self": "https://ecei.example/feeds/changes.atom", "alternate": "https://ecei.example/report.html"}
    assert len(parsed.entries) == 3
    assert {e.link for e in parsed.entries} == {"https://ecei.example/report.html#changes"}


def test_feed_without_a_warehouse_is_refused(tmp_path: Path) -> None:
    done = ecei("feed", "--out", str(tmp_path / "feeds"), "--db", str(tmp_path / "none.duckdb"))
    assert done.returncode == 2 and "no warehouse" in done.stderr
    assert not (tmp_path / "feeds").exists()


def test_feed_refuses_a_limit_below_one(dated_db: Path, tmp_path: Path) -> None:
    done = ecei("feed", "--out", str(tmp_path), "--db", str(dated_db), "--limit", "0")
    assert done.returncode == 2 and "--limit" in done.stderr
