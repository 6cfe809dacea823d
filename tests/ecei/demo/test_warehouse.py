"""The demo warehouse: the bundled snapshots recorded at their own dates, and demo refreshes dated alike."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ecei.demo.mirror import SNAPSHOT_DATES, demo_site, is_demo_url
from ecei.demo.warehouse import DEMO_START_URL, build, demo_refresh
from ecei.outcome import Refused
from ecei.rebuild.backfill import backfill
from ecei.settings import LIVE_START_URL, Settings
from tests.conftest import query
from tests.ecei.oracle import named, oracle_versions
from tests.warcs import JUNE_2016, write_warc
from warehouse.db import WarehouseUnreadable

JUNE, OCTOBER, SEPTEMBER = SNAPSHOT_DATES.values()
OLD, NEW = "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "ecei.duckdb"
    done = build(db)
    assert done.db == db.resolve() and done.warcs == []
    return db


@pytest.fixture
def real_site(tmp_path: Path) -> Path:
    """A warehouse holding a capture of the live site's address (as a web archive keeps it)."""
    db = tmp_path / "real.duckdb"
    backfill(db, [write_warc(tmp_path / "real.warc", [("2016-06", JUNE_2016, set())])], LIVE_START_URL)
    return db


def test_the_three_snapshots_are_runs_at_their_own_dates(built: Path) -> None:
    runs = query(built, "select run_id, started_at, finished_at, status, start_url from crawl_runs order by run_id")
    assert [r[1] for r in runs] == [
        dt.datetime(2016, 6, 15, 9),
        dt.datetime(2018, 10, 15, 9),
        dt.datetime(2021, 9, 15, 9),
    ]
    assert {r[3] for r in runs} == {"ok"} and {r[4] for r in runs} == {DEMO_START_URL}
    # the country pages a few seconds after the overview: each run ends the same morning
    assert all(dt.timedelta(seconds=1) <= r[2] - r[1] <= dt.timedelta(seconds=10) for r in runs)


def test_the_history_is_the_one_three_crawls_make_at_those_dates(built: Path) -> None:
    assert query(built, "select count(*) from cluster_history")[0][0] == oracle_versions(list(SNAPSHOT_DATES))
    assert set(query(built, "select country, name from clusters_current")) == named("2021-09")
    assert set(query(built, "select country, name from clusters_as_of('2019-01-01')")) == named("2018-10")
    assert set(query(built, "select country, name from clusters_as_of('2017-01-01')")) == named("2016-06")


def test_a_renewed_and_renamed_cluster_spans_the_years(built: Path) -> None:
    versions = query(
        built,
        "select h.name, h.valid_from, h.valid_to, h.valid_until from cluster_history as h "
        "where h.cluster_id = (select cluster_id from clusters_current where name = ?) order by h.valid_from",
        [NEW],
    )
    assert [v[0] for v in versions] == [OLD, OLD, NEW]
    assert [(v[1], v[2]) for v in versions] == [(JUNE, OCTOBER), (OCTOBER, SEPTEMBER), (SEPTEMBER, None)]
    assert [v[3] for v in versions] == sorted(v[3] for v in versions) and len({v[3] for v in versions}) == 3
    links = query(built, "select old_name, new_name, linked, decided_by from cluster_link_decisions")
    assert links == [(OLD, NEW, True, "auto")]


def test_every_page_is_the_bundled_one(built: Path) -> None:
    # the captures are written from the bundled HTML: no second copy of the pages can drift from it
    bundled = set()
    for snapshot in SNAPSHOT_DATES:
        folder = demo_site(snapshot)
        for name in set(json.loads((folder / "routes.json").read_text()).values()) - {"robots.txt"}:
            bundled.add(hashlib.sha256((folder / name).read_bytes()).hexdigest())
    kept = {r[0] for r in query(built, "select sha256 from page_fetches")}
    assert kept == bundled


def test_a_demo_warehouse_is_rebuilt_from_scratch(built: Path, loaded: Callable[[str], Path], tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    shutil.copyfile(loaded("2021-09"), db)  # a crawl of the mirror on loopback, dated now
    build(db)
    assert query(db, "select started_at, start_url from crawl_runs order by 1") == query(
        built, "select started_at, start_url from crawl_runs order by 1"
    )
    build(db)  # and again: the same three runs, nothing added
    assert query(db, "select count(*) from crawl_runs")[0][0] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ecei.duckdb",
        "ecei.duckdb.alerts.lock",
        "ecei.duckdb.lock",
        "ecei.duckdb.publish.lock",
        "ecei.published.duckdb",  # the read-only copy readers open (ecei.outputs.publish)
    ]
    assert query(tmp_path / "ecei.published.duckdb", "select count(*) from crawl_runs") == [(3,)]


def test_a_warehouse_of_a_real_site_is_refused_and_left_as_it_is(real_site: Path) -> None:
    before = real_site.read_bytes()
    with pytest.raises(Refused, match=r"holds crawls of a real site \(https://www\.cluster-analysis\.org/"):
        build(real_site)
    assert real_site.read_bytes() == before


def test_a_file_that_is_no_warehouse_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.duckdb"
    notes.write_text("my notes")
    with pytest.raises(WarehouseUnreadable):
        build(notes)
    assert notes.read_text() == "my notes"


@pytest.mark.parametrize(
    ("url", "demo"),
    [
        (DEMO_START_URL, True),
        ("http://127.0.0.1:8015/benchmarked-clusters", True),
        ("http://localhost:8015/benchmarked-clusters", True),
        ("http://[::1]:8015/benchmarked-clusters", True),
        (LIVE_START_URL, False),
        ("https://demo.ecei-watch.invalid.example.org/benchmarked-clusters", False),
        ("http://10.0.0.5/benchmarked-clusters", False),
    ],
)
def test_what_counts_as_the_demo(url: str, demo: bool) -> None:
    assert is_demo_url(url) is demo


def _settings(db: Path) -> Settings:
    return Settings(db=db, retry_times=0, download_timeout=5)


def test_a_demo_refresh_is_recorded_at_the_snapshot_date(tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    first = demo_refresh(_settings(db), "2016-06")
    assert first.status == "ok", first.message
    later = demo_refresh(_settings(db), "2021-09")
    assert later.status == "ok", later.message
    runs = query(db, "select started_at, finished_at, start_url from crawl_runs order by run_id")
    assert [r[0] for r in runs] == [JUNE, SEPTEMBER]
    assert all(r[0] < r[1] < r[0] + dt.timedelta(minutes=5) for r in runs)  # as long as the crawl took
    assert all(r[2].startswith("http://127.0.0.1:") for r in runs)  # the loopback mirror it crawled
    assert query(db, "select min(first_seen_at) from clusters_current")[0][0] == JUNE


def test_a_demo_refresh_onto_later_history_is_refused(built: Path, tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    shutil.copyfile(built, db)
    result = demo_refresh(_settings(db), "2018-10")
    assert result.status == "refused" and result.run_id is None
    assert "recorded at 2018-10-15T09:00:00Z, but the last run started at 2021-09-15T09:00:00Z" in (
        result.message or ""
    )
    assert query(db, "select count(*) from crawl_runs")[0][0] == 3


def test_a_demo_refresh_onto_a_real_site_is_refused(real_site: Path) -> None:
    before = real_site.read_bytes()
    with pytest.raises(Refused, match="holds crawls of a real site"):
        demo_refresh(_settings(real_site), "2021-09")
    assert real_site.read_bytes() == before
