"""The archive middleware in real crawls of the mirror: every answer kept, bodies once per content."""

from __future__ import annotations

import zlib

import pytest

from crawler.archive_pages import page_kind
from ecei.demo.mirror import Fault, Mirror, demo_site
from ecei.refresh.run import refresh
from ecei.settings import Settings
from tests.conftest import COUNTRY_PATH, NORWAY, POLAND, query, rename_header
from warehouse.archive import find_body
from warehouse.db import connect

START = "https://www.cluster-analysis.org/benchmarked-clusters"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (START, "overview"),
        ("http://127.0.0.1:8765/benchmarked-clusters/", "overview"),
        (START + "/?country=" + NORWAY, "country"),
        (START + "/?country=", "overview"),  # no country named: the list itself
        ("https://www.cluster-analysis.org/robots.txt", "robots"),
        ("https://www.cluster-analysis.org/silver-label", "other"),
    ],
)
def test_page_kind(url: str, kind: str) -> None:
    assert page_kind(url, START) == kind


def test_every_answer_is_kept_retried_ones_and_robots_txt_included(settings: Settings, mirror: Mirror) -> None:
    mirror.faults = {COUNTRY_PATH + NORWAY: Fault(status=503, times=1)}
    result = refresh(settings)
    assert result.status == "ok"
    kept = query(
        settings.db,
        "select kind, status, content_type, requested_url, sha256 from archived_pages where run_id = ? order by seq",
        [result.run_id],
    )
    assert [k[0] for k in kept].count("robots") == 1
    assert [k[0] for k in kept].count("overview") == 1
    norway = [(k[1], k[2]) for k in kept if k[3] == mirror.base_url + COUNTRY_PATH + NORWAY]
    assert norway == [(503, "text/plain"), (200, "text/html; charset=utf-8")]
    assert len(kept) == 1 + 1 + 4 + 1
    # the bodies are the pages as served
    routes = mirror.routes()
    for kind, status, _, url, sha in kept:
        if status == 200:
            path = url.removeprefix(mirror.base_url)
            body = query(settings.db, "select body, compression from page_bodies where sha256 = ?", [sha])[0]
            assert body[1] == "zlib" or kind == "robots"
            raw = zlib.decompress(body[0]) if body[1] == "zlib" else body[0]
            assert raw == (demo_site("2016-06") / routes[path]).read_bytes()


def test_a_no_op_refresh_stores_no_new_body(settings: Settings, mirror: Mirror) -> None:
    refresh(settings)
    before = query(settings.db, "select answers, bodies, bytes_stored from archive_storage")[0]
    again = refresh(settings)
    assert again.status == "ok"
    after = query(settings.db, "select answers, bodies, bytes_stored from archive_storage")[0]
    assert after == (before[0] + 6, before[1], before[2])


def test_a_failed_run_keeps_what_it_fetched(settings: Settings, mirror: Mirror) -> None:
    mirror.faults = {COUNTRY_PATH + POLAND: Fault(rewrite=rename_header)}
    result = refresh(settings)
    assert result.status == "failed"
    layout_error = query(settings.db, "select layout_error from archive_runs where run_id = ?", [result.run_id])
    assert "'Portfolio'" in layout_error[0][0]
    poland = query(
        settings.db,
        "select sha256 from archived_pages where run_id = ? and url like ?",
        [result.run_id, "%" + POLAND],
    )
    assert len(poland) == 1
    with connect(settings.db) as con:
        found = find_body(con, mirror.base_url + COUNTRY_PATH + POLAND, result.run_id)
    assert found is not None and b"<th>Portfolio</th>" in found[2]
    assert query(settings.db, "select count(*) from cluster_history") == [(0,)]
