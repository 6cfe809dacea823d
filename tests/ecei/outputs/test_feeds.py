"""The change feeds, read back by a real feed parser (feedparser): valid Atom, one entry per change
of the warehouse (per country too), ids that survive a rewrite and a replay, each field before and
after, a hostile name inert; and written after a complete refresh only."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import feedparser
import pytest

from ecei import change_kinds
from ecei.alerts import kinds as alert_kinds
from ecei.alerts.run import run_alerts
from ecei.demo.mirror import Fault, Mirror, demo_site
from ecei.demo.warehouse import DEMO_SITE, DEMO_START_URL, write_captures
from ecei.outputs.feeds import ALERTS_FILE, CHANGES_FILE, country_files, slug, write_feeds, xml_text
from ecei.rebuild.backfill import backfill
from ecei.rebuild.replay import replay
from ecei.refresh.run import refresh
from ecei.settings import Settings
from tests.conftest import COUNTRY_PATH, NORWAY, query


def parse(path: Path) -> Any:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, f"{path.name}: {parsed.get('bozo_exception')}"
    return parsed


def write(db: Path, folder: Path, **settings: Any) -> dict[str, Any]:
    """Write the feeds of `db` into `folder`; each written file's name -> its parsed feed."""
    result = write_feeds(Settings(db=db, **settings), folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f.path.name for f in result.feeds)
    return {f.path.name: parse(f.path) for f in result.feeds}


def ids(feed: Any) -> list[str]:
    return [e.id for e in feed.entries]


@pytest.fixture(scope="module")
def feeds(dated_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return write(dated_db, tmp_path_factory.mktemp("feeds"))


def atom_time(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_every_feed_is_valid_atom_with_its_self_link(dated_db: Path, feeds: dict[str, Any]) -> None:
    assert {CHANGES_FILE, ALERTS_FILE} <= set(feeds)
    last_run_end = atom_time(query(dated_db, "select max(finished_at) from runs")[0][0])
    for name, feed in feeds.items():
        assert feed.version == "atom10"
        assert [link.href for link in feed.feed.links if link.rel == "self"] == [name]
        assert feed.feed.updated == last_run_end


def test_one_entry_per_change_and_one_feed_per_country(dated_db: Path, feeds: dict[str, Any]) -> None:
    total = query(dated_db, "select count(*) from cluster_changes")[0][0]
    assert len(feeds[CHANGES_FILE].entries) == total
    per_country = dict(query(dated_db, "select country, count(*) from cluster_changes group by country"))
    countries = query(dated_db, "select distinct country_id, country from cluster_changes order by country")
    files = country_files(countries)
    assert len(per_country) == 4 and set(files.values()) == set(feeds) - {CHANGES_FILE, ALERTS_FILE}
    for country_id, country in countries:
        feed = feeds[files[country_id]]
        assert len(feed.entries) == per_country[country]
        assert all(e.title.startswith(f"{country}: ") for e in feed.entries)
    # a change is in its country's feed with the same id as in the feed of every change
    country_ids = {i for name in files.values() for i in ids(feeds[name])}
    assert country_ids == set(ids(feeds[CHANGES_FILE]))
    kinds = Counter(e.tags[0].term for e in feeds[CHANGES_FILE].entries)
    assert kinds == dict(query(dated_db, "select change, count(*) from cluster_changes group by change"))


def test_entries_carry_the_run_times_newest_first(dated_db: Path, feeds: dict[str, Any]) -> None:
    runs = {atom_time(r[0]) for r in query(dated_db, "select started_at from runs")}
    updated = [e.updated for e in feeds[CHANGES_FILE].entries]
    assert set(updated) <= runs and updated == sorted(updated, reverse=True)
    assert all(e.link == "report.html#changes" for e in feeds[CHANGES_FILE].entries)


def test_a_change_shows_each_field_before_and_after(dated_db: Path, feeds: dict[str, Any]) -> None:
    rows = query(
        dated_db,
        "select cluster_id, old_name, new_name, old_portfolio, new_portfolio from cluster_changes "
        "where change = 'renamed'",
    )
    assert len(rows) == 1
    cluster_id, old_name, new_name, old_portfolio, new_portfolio = rows[0]
    entry = next(e for e in feeds[CHANGES_FILE].entries if f"/{cluster_id}/" in e.id)
    assert f"{new_name} {change_kinds.RENAMED.label} (name" in entry.title
    content = entry.content[0].value
    assert f"name: {old_name} -&gt; {new_name}" in content  # the account of what_happened.sql
    assert f"<td>name (changed)</td><td>{old_name}</td><td>{new_name}</td>" in content
    assert f"<td>{old_portfolio}</td><td>{new_portfolio}</td>" in content
    before, after = query(
        dated_db,
        "select old_valid_until, new_valid_until from cluster_changes "
        "where change = 'changed' and changed_columns = ['valid_until'] order by cluster_id limit 1",
    )[0]
    renewed = [e for e in feeds[CHANGES_FILE].entries if f"<td>{before}</td><td>{after}</td>" in e.content[0].value]
    assert len(renewed) == 1 and "(valid_until)" in renewed[0].title


def test_the_limit_keeps_the_latest_entries(dated_db: Path, feeds: dict[str, Any], tmp_path: Path) -> None:
    few = write(dated_db, tmp_path, feeds_limit=5)
    assert ids(few[CHANGES_FILE]) == ids(feeds[CHANGES_FILE])[:5]


def test_a_rewrite_is_the_same_file(dated_db: Path, tmp_path: Path) -> None:
    first = write_feeds(Settings(db=dated_db), tmp_path / "a")
    second = write_feeds(Settings(db=dated_db), tmp_path / "b")
    for a, b in zip(first.feeds, second.feeds, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()
    assert not list((tmp_path / "a").glob(".*.part"))  # written whole, then renamed


def test_ids_survive_a_replay(dated_db: Path, feeds: dict[str, Any], tmp_path: Path) -> None:
    copy = tmp_path / "ecei.duckdb"
    shutil.copyfile(dated_db, copy)
    rebuilt = replay(copy).target
    again = write(rebuilt, tmp_path / "feeds")
    assert set(again) == set(feeds)
    for name, feed in feeds.items():
        assert ids(again[name]) == ids(feed)


def test_ids_survive_a_backfill_that_renumbers_the_runs(dated_db: Path, feeds: dict[str, Any], tmp_path: Path) -> None:
    # a capture between the first two runs, the same list as the first: every run after it gets the
    # next number, and no change moves; an id built from a run's number would name another entry now
    copy = tmp_path / "ecei.duckdb"
    shutil.copyfile(dated_db, copy)
    dates = "select run_id, started_at from crawl_runs order by started_at"
    before = query(copy, dates)
    between = dt.datetime(2017, 3, 1, 12, 0)
    warc = write_captures(tmp_path / "2017.warc.gz", [("2016-06", between, ())], site=DEMO_SITE)
    result = backfill(copy, [warc], DEMO_START_URL)
    assert result.replay is not None
    after = query(copy, dates)
    assert [at for _, at in after] == sorted([at for _, at in before] + [between])
    assert [run for run, at in after if at > between] == [run + 1 for run, at in before if at > between]
    again = write(copy, tmp_path / "feeds")
    assert set(again) == set(feeds)
    for name, feed in feeds.items():
        assert ids(again[name]) == ids(feed), name


def test_the_alerts_feed_holds_the_ledger(dated_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ecei.duckdb"
    shutil.copyfile(dated_db, copy)
    raised = run_alerts(Settings(db=copy), dt.date(2021, 9, 15), notify=[]).raised
    ledger = query(copy, "select alert_key, kind, country, name from alert_log order by created_at desc, alert_id desc")
    assert raised and len(ledger) == len(raised)
    feed = write(copy, tmp_path / "feeds")[ALERTS_FILE]
    assert [e.id for e in feed.entries] == [f"tag:ecei-watch,2026:alert/{quote(k, safe='')}" for k, *_ in ledger]
    for entry, (_, kind, country, name) in zip(feed.entries, ledger, strict=True):
        assert entry.tags[0].term == kind
        assert entry.title == f"{alert_kinds.kind_of(kind).title}: {country}: {name}"
    # raising again on the same day raises nothing new: the same entries, the same ids
    run_alerts(Settings(db=copy), dt.date(2021, 9, 15), notify=[])
    assert ids(write(copy, tmp_path / "again")[ALERTS_FILE]) == ids(feed)


def test_an_alerts_run_rewrites_the_alerts_feed_at_once(dated_db: Path, tmp_path: Path) -> None:
    copy, folder = tmp_path / "ecei.duckdb", tmp_path / "feeds"
    shutil.copyfile(dated_db, copy)
    raised = run_alerts(Settings(db=copy, feeds_dir=folder), dt.date(2021, 9, 15), notify=[]).raised
    feed = feedparser.parse((folder / ALERTS_FILE).read_bytes())
    assert raised and len(feed.entries) == len(raised) and not feed.bozo


def test_slugs_are_file_names_and_never_collide() -> None:
    assert slug("Czech Republic") == "czech-republic" and slug("España") == "espana"
    files = country_files([("a1", "Åland"), ("b2", "Aland"), ("c3", "<script>"), ("d4", "日本")])
    assert files == {
        "a1": "country-aland.atom",
        "b2": "country-aland-b2.atom",
        "c3": "country-script.atom",
        "d4": "country-d4.atom",
    }
    assert xml_text("a\x1bb\x00c\td\ud800\x9b\x7f") == "a\u241bb\u2400c\td\\ud800\\x9b\u2421"


HOSTILE = "Arena \x1b[31mEyde\x1b[0m \x07\x9b2J \u202e <script>alert(1)</script> & <b>x</b>"


def hostile_norway(body: bytes) -> bytes:
    escaped = HOSTILE.replace("&", "&amp;").replace("<", "&lt;")
    return body.replace(b"<td>Arena Eyde</td>", f"<td>{escaped}</td>".encode())


def test_a_hostile_name_is_text_in_every_feed(settings: Settings, mirror: Mirror, tmp_path: Path) -> None:
    mirror.faults[COUNTRY_PATH + NORWAY] = Fault(rewrite=hostile_norway)
    assert refresh(settings).status == "ok"
    feeds = write(settings.db, tmp_path / "feeds")
    shown = xml_text(" ".join(HOSTILE.split()))  # the crawl collapses spaces; XML cannot hold ESC or BEL
    for name in (CHANGES_FILE, "country-norway.atom"):
        entry = next(e for e in feeds[name].entries if "Eyde" in e.title)
        assert entry.title == f"Norway: {shown} {change_kinds.ADDED.label}"
        content = entry.content[0].value
        assert "<script" not in content and "<b>" not in content and "\x1b" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;x&lt;/b&gt;" in content


def test_a_complete_refresh_writes_the_feeds_and_others_leave_them(
    settings: Settings, mirror: Mirror, tmp_path: Path
) -> None:
    folder = tmp_path / "feeds"
    watched = settings.model_copy(update={"feeds_dir": folder})
    first = refresh(watched)
    assert first.status == "ok" and first.notices == []
    after_first = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert len(parse(folder / CHANGES_FILE).entries) == query(settings.db, "select count(*) from changes")[0][0]

    mirror.switch(demo_site("2021-09"))
    mirror.faults = {COUNTRY_PATH + NORWAY: Fault(status=503)}
    assert refresh(watched).status == "partial"
    mirror.faults = {"/benchmarked-clusters": Fault(status=503)}
    assert refresh(watched).status == "failed"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == after_first  # not rewritten

    mirror.faults = {}
    last = refresh(watched)
    assert last.status == "ok" and last.notices == []
    changes = parse(folder / CHANGES_FILE)
    assert len(changes.entries) == query(settings.db, "select count(*) from changes")[0][0]
    # the first run's entries are still there, under the same ids, below the newest run's
    first_ids = ids(feedparser.parse(after_first[CHANGES_FILE]))
    assert ids(changes)[-len(first_ids) :] == first_ids and len(ids(changes)) > len(first_ids)


def test_feeds_that_cannot_be_written_are_a_warning(settings: Settings, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the feeds' folder should be")
    result = refresh(settings.model_copy(update={"feeds_dir": blocker}))
    assert result.status == "ok" and result.run_id == 1
    assert len(result.notices) == 1 and result.notices[0].startswith(f"feeds {blocker}: not written")
