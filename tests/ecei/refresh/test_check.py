"""`check_site` against the mirror on loopback: what it reports, and what it calls a problem."""

from __future__ import annotations

import time
import zlib
from pathlib import Path

from ecei.demo.mirror import OVERVIEW_PATH, Fault, Mirror, demo_site, serve
from ecei.refresh.check import EXPECTED_HEADERS, check_site
from ecei.settings import Settings
from tests.conftest import COUNTRY_PATH, ITALY, expected_rows

ITALY_PATH = COUNTRY_PATH + ITALY


def run(mirror: Mirror, faults: dict[str, Fault] | None = None, **settings: object) -> object:
    mirror.switch(demo_site("2018-10"))
    mirror.faults = faults or {}
    mirror.requests.clear()
    return check_site(Settings(start_url=mirror.start_url, db=Path("/nonexistent/never.duckdb"), **settings))


def test_the_mirror_looks_as_the_spider_expects(mirror: Mirror) -> None:
    result = run(mirror)
    assert result.ok, result.problems
    rows = expected_rows("2018-10")
    assert result.robots_allows is True
    assert result.stated_total == len(rows)
    assert result.stated_countries == result.countries_linked == len({r["country_id"] for r in rows})
    assert result.country_name == "Italy"
    assert result.headers == list(EXPECTED_HEADERS)
    assert result.rows_on_page == sum(1 for r in rows if r["country"] == "Italy")
    assert result.more_pages == 0
    # robots.txt, the overview and one country page: nothing more
    assert mirror.requests == ["/robots.txt", OVERVIEW_PATH, ITALY_PATH]


def test_a_renamed_header_is_a_layout_change(mirror: Mirror) -> None:
    rename = Fault(rewrite=lambda b: b.replace(b"<th>Label valid until</th>", b"<th>Valid until</th>"))
    result = run(mirror, {ITALY_PATH: rename})
    assert not result.ok
    assert result.headers == ["Name", "Comparative portfolio", "www", "Valid until"]
    (problem,) = result.problems
    assert "headers changed" in problem and "'Valid until'" in problem and "Label valid until" in problem


def test_an_extra_column_is_a_layout_change(mirror: Mirror) -> None:
    extra = Fault(rewrite=lambda b: b.replace(b"<th>www</th>", b"<th>www</th><th>Region</th>"))
    result = run(mirror, {ITALY_PATH: extra})
    assert not result.ok and "Region" in result.problems[0]


def test_a_page_without_the_table(mirror: Mirror) -> None:
    gone = Fault(rewrite=lambda b: b.replace(b"<table", b"<div").replace(b"</table>", b"</div>"))
    result = run(mirror, {ITALY_PATH: gone})
    assert not result.ok and "no table headed" in result.problems[0]


def test_robots_txt_forbidding_the_crawl_stops_the_check(mirror: Mirror) -> None:
    forbid = Fault(rewrite=lambda _: b"User-agent: *\nDisallow: /benchmarked-clusters\n")
    result = run(mirror, {"/robots.txt": forbid})
    assert result.robots_allows is False
    assert not result.ok and "robots.txt forbids" in result.problems[0]
    assert mirror.requests == ["/robots.txt"]  # the overview itself is not fetched


def test_robots_txt_for_another_agent_does_not_matter(mirror: Mirror) -> None:
    other = Fault(rewrite=lambda _: b"User-agent: SomeOtherBot\nDisallow: /\n")
    assert run(mirror, {"/robots.txt": other}).ok


def test_missing_robots_txt_allows_the_crawl(mirror: Mirror) -> None:
    result = run(mirror, {"/robots.txt": Fault(status=404)})
    assert result.ok and result.robots_allows is True and "HTTP 404" in result.robots


def test_overview_without_the_stated_total(mirror: Mirror) -> None:
    silent = Fault(rewrite=lambda b: b.replace(b"The list includes 75 clusters from 4 countries", b"Our clusters"))
    result = run(mirror, {OVERVIEW_PATH: silent})
    assert result.stated_total is None
    assert not result.ok and "stated total" in result.problems[0]


def test_stated_countries_that_do_not_match_the_links(mirror: Mirror) -> None:
    more = Fault(rewrite=lambda b: b.replace(b"from 4 countries", b"from 5 countries"))
    result = run(mirror, {OVERVIEW_PATH: more})
    assert not result.ok and "states 5 countries but links 4" in result.problems[0]


def test_overview_error_status(mirror: Mirror) -> None:
    result = run(mirror, {OVERVIEW_PATH: Fault(status=503)})
    assert not result.ok and result.problems == ["the overview answered HTTP 503"]


def test_a_hanging_overview_times_out(mirror: Mirror) -> None:
    result = run(mirror, {OVERVIEW_PATH: Fault(hang=True)}, download_timeout=0.5)
    assert not result.ok
    assert "could not be fetched" in result.problems[0] and "timed out" in result.problems[0]


def test_a_redirect_to_another_port_is_refused_as_the_spider_refuses_it(mirror: Mirror) -> None:
    with serve(demo_site("2018-10")) as elsewhere:
        moved = Fault(status=302, location=elsewhere.base_url + ITALY_PATH)
        result = run(mirror, {ITALY_PATH: moved})
    assert not result.ok
    (problem,) = result.problems
    assert f"redirects off the site to {elsewhere.base_url}{ITALY_PATH}" in problem
    assert elsewhere.requests == []  # not even asked


def test_a_page_trickled_past_the_download_timeout_is_a_problem_not_a_hang(mirror: Mirror) -> None:
    began = time.monotonic()
    result = run(mirror, {ITALY_PATH: Fault(trickle=0.2)}, download_timeout=1)
    assert time.monotonic() - began < 3 * 1 + 10  # three fetches, each within its timeout
    assert not result.ok
    assert "could not be fetched" in result.problems[0] and "no whole answer within 1 s" in result.problems[0]


def test_a_gzip_bomb_stops_at_the_page_size_limit(mirror: Mirror) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(packer.compress(b" " * 2**20) for _ in range(64)) + packer.flush()
    result = run(mirror, {ITALY_PATH: Fault(body=bomb, headers={"Content-Encoding": "gzip"})}, max_page_bytes=2**20)
    assert not result.ok
    assert "larger than the page size limit of 1048576 bytes (ECEI_MAX_PAGE_BYTES)" in result.problems[0]


def test_a_start_url_without_host() -> None:
    result = check_site(Settings(start_url="file:///etc/passwd"))
    assert not result.ok and "not an http(s) URL" in result.problems[0]


def test_pages_are_decoded_with_the_charset_the_server_sends(mirror: Mirror) -> None:
    # no <meta charset>: only the Content-Type header says utf-8, as it does for the spider
    def strip_meta(body: bytes) -> bytes:
        return body.replace(b'<meta charset="utf-8">', b"").replace(b">Italy<", ">Itália<".encode())

    result = run(mirror, {OVERVIEW_PATH: Fault(rewrite=strip_meta)})
    assert result.ok, result.problems
    assert result.country_name == "Itália"
