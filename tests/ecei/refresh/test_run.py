"""End to end: the mirror served over loopback HTTP, the real crawl, a real DuckDB file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import lxml.html
from filelock import FileLock

from ecei.demo.mirror import Fault, Mirror, demo_site
from ecei.locks import refresh_lock_path
from ecei.refresh.completeness import Verdict
from ecei.refresh.run import crawl_config, load_run, refresh
from ecei.settings import Settings
from pipelines.stage import Stage
from tests.conftest import COUNTRY_PATH, NORWAY, POLAND, expected_rows, query, rename_header
from tests.ecei.oracle import named, oracle_versions
from warehouse.db import connect
from warehouse.runs import RunFigures, begin_run, utcnow


def run(settings: Settings, mirror: Mirror, snapshot: str, faults: dict[str, Fault] | None = None) -> Any:
    mirror.switch(demo_site(snapshot))
    mirror.faults = faults or {}
    mirror.requests.clear()
    return refresh(settings)


def test_history_across_the_three_snapshots_in_one_process(settings: Settings, mirror: Mirror) -> None:
    # three crawls in one Python process: each gets a reactor of its own, in its own process
    results = [run(settings, mirror, s) for s in ("2016-06", "2018-10", "2021-09")]
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    db = settings.db

    (versions,) = query(db, "select count(*) from cluster_history")[0]
    assert versions == oracle_versions(["2016-06", "2018-10", "2021-09"])
    current = set(query(db, "select country, name from clusters_current"))
    assert current == named("2021-09")

    third_started = query(db, "select started_at from crawl_runs where run_id = ?", [results[2].run_id])[0][0]
    closed = query(
        db,
        "select max(valid_to), count(*) filter (where is_current) from cluster_history "
        "where name = 'NCE Seafood Innovation Cluster'",
    )
    assert closed == [(third_started, 0)]
    assert query(db, "select count(*) from clusters_current where name = 'Seafood Innovation Cluster'") == [(1,)]
    delisted = named("2018-10") - named("2021-09") - {("Norway", "NCE Seafood Innovation Cluster")}
    assert delisted, "the 2021-09 snapshot delists some clusters"
    for country, name in delisted:
        rows = query(db, "select valid_to from cluster_history where country = ? and name = ?", [country, name])
        assert rows and all(r[0] is not None for r in rows)
    removed = query(
        db, "select count(*) from cluster_changes where change = 'removed' and run_id = ?", [results[2].run_id]
    )
    # the Seafood cluster was renamed, not removed (issue 8: identity survives renames)
    assert removed == [(len(delisted),)]
    assert results[2].recorded["renamed"] == 1

    # the list as it stood between the first and second run is the 2016-06 list
    first_finished, second_started = query(
        db,
        "select (select finished_at from crawl_runs where run_id = ?), "
        "(select started_at from crawl_runs where run_id = ?)",
        [results[0].run_id, results[1].run_id],
    )[0]
    between = first_finished + (second_started - first_finished) / 2
    as_of = set(query(db, "select country, name from clusters_as_of(?)", [between]))
    assert as_of == named("2016-06")
    assert query(db, "select count(*) from clusters_as_of(?)", [dt.datetime(2000, 1, 1)]) == [(0,)]

    # the empty-name row is quarantined once per run, with its reason and raw values
    rejected = query(db, "select run_id, raw->>'portfolio', reason from rejected_rows order by run_id")
    assert [r[0] for r in rejected] == [r.run_id for r in results]
    assert all(r[1] == "Food industry" and r[2].startswith("name: empty") for r in rejected)

    figures = query(db, "select rows_seen, rows_loaded, rows_duplicate, rows_rejected, stated_total from crawl_runs")
    assert all(seen == loaded + dup + rej == stated for seen, loaded, dup, rej, stated in figures)


def test_no_op_refresh_adds_no_version(settings: Settings, mirror: Mirror) -> None:
    run(settings, mirror, "2018-10")
    before = query(settings.db, "select * from cluster_history order by cluster_id")
    again = run(settings, mirror, "2018-10")
    assert again.status == "ok"
    assert (again.recorded["added"], again.recorded["changed"], again.recorded["removed"]) == (0, 0, 0)
    assert query(settings.db, "select * from cluster_history order by cluster_id") == before


def test_country_answering_503_is_partial_and_closes_nothing(settings: Settings, mirror: Mirror) -> None:
    run(settings, mirror, "2016-06")
    norway_before = query(settings.db, "select cluster_id, valid_until from clusters_current where country = 'Norway'")
    result = run(settings, mirror, "2021-09", {COUNTRY_PATH + NORWAY: Fault(status=503)})
    assert result.status == "partial"
    assert "Norway" in (result.message or "") and "503" in (result.message or "")
    assert mirror.requests.count(COUNTRY_PATH + NORWAY) == settings.retry_times + 1
    # nothing of Norway was closed, nor anything else: a partial run removes nothing
    norway_after = query(settings.db, "select cluster_id, valid_until from clusters_current where country = 'Norway'")
    assert sorted(norway_after) == sorted(norway_before)
    assert result.recorded["removed"] == 0
    # what it did see was loaded
    assert result.recorded["added"] > 0
    status = query(settings.db, "select status from crawl_runs where run_id = ?", [result.run_id])
    assert status == [("partial",)]


def test_changed_header_fails_the_run_and_writes_nothing(settings: Settings, mirror: Mirror) -> None:
    run(settings, mirror, "2016-06")
    history = query(settings.db, "select * from cluster_history order by all")
    result = run(settings, mirror, "2021-09", {COUNTRY_PATH + POLAND: Fault(rewrite=rename_header)})
    assert result.status == "failed"
    message = query(settings.db, "select status, message from crawl_runs where run_id = ?", [result.run_id])[0]
    assert message[0] == "failed"
    assert POLAND in message[1] and "'Portfolio'" in message[1]
    assert query(settings.db, "select * from cluster_history order by all") == history
    assert query(settings.db, "select count(*) from rejected_rows where run_id = ?", [result.run_id]) == [(0,)]
    assert query(settings.db, "select count(*) from cluster_changes where run_id = ?", [result.run_id]) == [(0,)]


def reorder_columns(body: bytes) -> bytes:
    doc = lxml.html.document_fromstring(body)
    for tr in doc.xpath("//table[@class='clusterlist']//tr"):
        cells = list(tr)
        for c in cells:
            tr.remove(c)
        for i in (3, 2, 0, 1):  # valid until, www, name, portfolio
            tr.append(cells[i])
    return lxml.html.tostring(doc, encoding="utf-8")


def test_reordered_columns_load_the_same(settings: Settings, mirror: Mirror, tmp_path: Path) -> None:
    straight = run(settings, mirror, "2018-10")
    routes = mirror.routes()
    faults = {path: Fault(rewrite=reorder_columns) for path in routes if "country=" in path}
    reordered_settings = settings.model_copy(update={"db": tmp_path / "reordered.duckdb"})
    reordered = run(reordered_settings, mirror, "2018-10", faults)
    assert straight.status == reordered.status == "ok"
    sql = "select country, name, portfolio, website, valid_until from clusters_current order by all"
    assert query(settings.db, sql) == query(reordered_settings.db, sql)
    assert len(query(settings.db, sql)) == len(named("2018-10"))


def test_second_refresh_while_one_runs_is_busy(settings: Settings, mirror: Mirror) -> None:
    run(settings, mirror, "2016-06")
    runs_before = query(settings.db, "select count(*) from crawl_runs")
    with FileLock(str(refresh_lock_path(Path(settings.db)))):
        result = refresh(settings)
    assert result.status == "busy"
    assert "another refresh" in (result.message or "")
    assert query(settings.db, "select count(*) from crawl_runs") == runs_before


def test_run_left_running_by_a_dead_process_is_marked_failed(settings: Settings, mirror: Mirror) -> None:
    with connect(settings.db) as con:
        dead = begin_run(con, settings.start_url, utcnow(), pid=999999)
    result = run(settings, mirror, "2016-06")
    assert result.abandoned_runs == [dead]
    status, message = query(settings.db, "select status, message from crawl_runs where run_id = ?", [dead])[0]
    assert status == "failed" and re.search("abandoned", message)
    assert result.status == "ok"


def split_norway(site: Path, rows_on_first_page: int) -> None:
    """Turn Norway's page into a paginated list of two pages, as a larger registry would show."""
    page = site / "country" / f"{NORWAY}.html"
    doc = lxml.html.document_fromstring(page.read_bytes())
    table = doc.xpath("//table[@class='clusterlist']")[0]
    rows = table.xpath("./tr")[1:]
    second = lxml.html.document_fromstring(page.read_bytes())
    second_table = second.xpath("//table[@class='clusterlist']")[0]
    for tr in rows[rows_on_first_page:]:
        table.remove(tr)
    for tr in second_table.xpath("./tr")[1 : rows_on_first_page + 1]:
        second_table.remove(tr)
    pager = lxml.html.fragment_fromstring(f'<p class="pager"><a href="?country={NORWAY}&amp;page=2">2</a></p>')
    table.addnext(pager)
    page.write_bytes(lxml.html.tostring(doc, encoding="utf-8"))
    (site / "country" / f"{NORWAY}-2.html").write_bytes(lxml.html.tostring(second, encoding="utf-8"))
    routes = json.loads((site / "routes.json").read_text())
    routes[f"{COUNTRY_PATH}{NORWAY}&page=2"] = f"country/{NORWAY}-2.html"
    (site / "routes.json").write_text(json.dumps(routes))


def test_paginated_country_list_is_read_whole(settings: Settings, mirror: Mirror, site_copy: Any) -> None:
    site = site_copy("2018-10")
    split_norway(site, rows_on_first_page=20)
    mirror.switch(site)
    result = refresh(settings)
    assert result.status == "ok", result.message
    assert result.figures.rows_seen == len(expected_rows("2018-10"))
    norway = {r[0] for r in query(settings.db, "select name from clusters_current where country = 'Norway'")}
    assert norway == {n for c, n in named("2018-10") if c == "Norway"}
    assert f"{COUNTRY_PATH}{NORWAY}&page=2" in mirror.requests


def test_a_failed_run_whose_pages_cannot_be_archived_says_so(tmp_path: Path) -> None:
    def archive(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("create table page_bodies_probe (x integer)")  # a write the rollback must undo
        raise OSError("no space left on device")

    with closing(connect(tmp_path / "w.duckdb")) as con:
        run_id = begin_run(con, "http://x/", utcnow(), 1)
        verdict = Verdict("failed", RunFigures(), ["page layout changed at http://x/"])
        load_run(con, run_id, utcnow(), tmp_path, verdict, archive)
        assert con.execute("select status, message from crawl_runs").fetchall() == [
            (
                "failed",
                "page layout changed at http://x/; its pages could not be archived: no space left on device",
            )
        ]
        assert con.execute(
            "select count(*) from duckdb_tables() where table_name = 'page_bodies_probe'"
        ).fetchone() == (0,)


def test_the_crawl_config_carries_the_crawl_settings_and_no_secret(tmp_path: Path) -> None:
    settings = Settings(
        start_url="http://127.0.0.1:1/x", db=tmp_path / "e.duckdb", polite=False, parse_workers=0,
        download_timeout=4, notify=["json://user:hunter2@127.0.0.1:1/"],
    )  # fmt: skip
    config = crawl_config(settings)
    for name in (f.name for f in dataclasses.fields(config) if f.name != "outputs"):
        assert getattr(config, name) == getattr(settings, name), name
    assert Stage(tmp_path).folder / config.outputs.fetches == Stage(tmp_path).fetches
    assert "hunter2" not in config.to_json() and "notify" not in config.to_json()
