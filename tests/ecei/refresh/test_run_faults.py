"""Faults injected for real: the mirror on loopback answers 429/503, hangs, lies or changes layout.

Every test first loads a complete run, then crawls again with the fault, and checks what the
refresh says (status, exit code, message) and that the history kept everything it had.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from ecei.demo.mirror import Fault, Mirror, demo_site
from ecei.refresh.result import RefreshResult
from ecei.refresh.run import crawl_deadline, refresh
from ecei.settings import Settings
from tests.conftest import COUNTRY_PATH, ITALY, NORWAY, query
from tests.ecei.processes import ECEI, alive_in_session, crawl_processes

OVERVIEW = "/benchmarked-clusters"
ROBOTS = "/robots.txt"
# the type-2 history; a partial run still quarantines the bad rows it saw, so that is not compared
TABLES = ("versions", "cluster_keys", "changes")


def run(settings: Settings, mirror: Mirror, snapshot: str, faults: dict[str, Fault] | None = None) -> RefreshResult:
    mirror.switch(demo_site(snapshot))
    mirror.faults = faults or {}
    mirror.requests.clear()
    mirror.arrivals.clear()
    return refresh(settings)


def history(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The history tables, in full."""
    return {t: query(db, f"select * from {t} order by all") for t in TABLES}


def run_written(db: Path, run_id: int | None) -> list[tuple[Any, ...]]:
    return query(
        db,
        "select (select count(*) from versions where run_from = ? or run_to = ?), "
        "(select count(*) from quarantine where run_id = ?), (select count(*) from changes where run_id = ?)",
        [run_id, run_id, run_id, run_id],
    )


def figures_add_up(db: Path) -> bool:
    rows = query(db, "select rows_seen, rows_loaded, rows_duplicate, rows_rejected from crawl_runs")
    return all(seen == loaded + dup + rej for seen, loaded, dup, rej in rows if seen is not None)


# --- network faults -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [503, 429])
def test_retry_after_is_waited_out_then_the_crawl_completes(settings: Settings, mirror: Mirror, status: int) -> None:
    settings = settings.model_copy(update={"retry_times": 3})
    path = COUNTRY_PATH + NORWAY
    result = run(settings, mirror, "2016-06", {path: Fault(status=status, retry_after="1", times=2)})
    assert result.status == "ok", result.message
    arrivals = [t for t, p in mirror.arrivals if p == path]
    assert len(arrivals) == 3
    # each retry came no sooner than the second the server asked for (a lower bound, never flaky)
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(arrivals))


def test_retry_after_as_an_http_date(settings: Settings, mirror: Mirror) -> None:
    path = COUNTRY_PATH + NORWAY
    when = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2), usegmt=True)
    result = run(settings, mirror, "2016-06", {path: Fault(status=503, retry_after=when, times=1)})
    assert result.status == "ok", result.message
    assert mirror.requests.count(path) == 2


def test_retry_after_beyond_the_cap_fails_the_page_without_knocking_again(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None]
) -> None:
    start_from("2016-06")
    before = history(settings.db)
    capped = settings.model_copy(update={"max_retry_after": 1, "retry_times": 3})
    path = COUNTRY_PATH + NORWAY
    result = run(capped, mirror, "2016-06", {path: Fault(status=503, retry_after="3600")})
    assert result.status == "partial"
    assert "Norway incomplete: HTTP 503" in (result.message or "")
    assert mirror.requests.count(path) == 1
    assert history(settings.db) == before


def test_hanging_page_ends_the_run_within_the_download_timeout(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None]
) -> None:
    start_from("2016-06")
    before = history(settings.db)
    quick = settings.model_copy(update={"download_timeout": 1, "retry_times": 1})
    path = COUNTRY_PATH + NORWAY
    result = run(quick, mirror, "2021-09", {path: Fault(hang=True)})
    assert result.status == "partial"
    assert re.search(r"Norway incomplete: .*(timed? ?out|took longer)", result.message or "", re.IGNORECASE)
    assert mirror.requests.count(path) == 2  # the first try and one retry, each abandoned
    assert result.recorded["removed"] == 0
    # Norway's clusters are all still current, whatever 2021-09 changed elsewhere
    norway = "select cluster_id from versions where country = 'Norway' and valid_to is null"
    assert {r[0] for r in before["versions"] if r[1] == "Norway" and r[9] is None} <= set(
        r[0] for r in query(settings.db, norway)
    )


def test_page_hanging_once_is_retried_and_the_run_completes(settings: Settings, mirror: Mirror) -> None:
    quick = settings.model_copy(update={"download_timeout": 1, "retry_times": 1})
    path = COUNTRY_PATH + NORWAY
    result = run(quick, mirror, "2016-06", {path: Fault(hang=True, times=1)})
    assert result.status == "ok", result.message
    assert mirror.requests.count(path) == 2


def test_crawl_stuck_past_its_time_limit_is_stopped_and_the_run_fails(settings: Settings, mirror: Mirror) -> None:
    # the overview hangs and a download may take a minute: the crawl closes at its own limit only
    # when that download ends; the refresh stops it at the limit plus its wind-down time
    stuck = settings.model_copy(update={"crawl_timeout": 2, "download_timeout": 120, "retry_times": 0})
    crawls: set[int] = set()
    watching = threading.Event()

    def watch() -> None:
        while not watching.is_set():
            crawls.update(crawl_processes(os.getpid()))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    began = time.monotonic()
    result = run(stuck, mirror, "2016-06", {OVERVIEW: Fault(hang=True)})
    took = time.monotonic() - began
    watching.set()
    watcher.join()
    assert result.status == "failed"
    assert result.message == "the crawl exceeded its time limit of 2 s and was stopped"
    limit = crawl_deadline(stuck)
    assert limit is not None and limit <= took < limit + 15  # the download timeout did not hold it
    assert crawls, "the crawl process was never seen running"
    assert all(alive_in_session(pid) == [] for pid in crawls)  # the crawl and anything it started
    assert query(settings.db, "select status, message from crawl_runs where run_id = ?", [result.run_id]) == [
        ("failed", result.message)
    ]


def gzip_bomb(inflated: int) -> bytes:
    """A gzip body of a few hundred kB that inflates to `inflated` bytes of spaces, built in chunks."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: with a gzip header and trailer
    chunk = b" " * 2**20
    return b"".join(packer.compress(chunk) for _ in range(inflated // len(chunk))) + packer.flush()


# runs a command and writes the largest peak RSS (kB) of any process it waited for, crawl included
PEAK_RSS = (
    "import pathlib, resource, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
    "pathlib.Path(sys.argv[1]).write_text(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
    "sys.exit(code)"
)


def test_gzip_bomb_fails_its_page_at_the_size_limit_and_memory_stays_bounded(
    settings: Settings, mirror: Mirror, tmp_path: Path
) -> None:
    inflated = 512 * 2**20
    bomb = gzip_bomb(inflated)
    assert len(bomb) < 2**20
    mirror.faults = {COUNTRY_PATH + NORWAY: Fault(body=bomb, headers={"Content-Encoding": "gzip"})}
    peak = tmp_path / "peak-kb"
    limit = 2**20
    env = {**os.environ, "ECEI_POLITE": "false", "ECEI_RETRY_TIMES": "0", "ECEI_MAX_PAGE_BYTES": str(limit)}
    command = [ECEI, "refresh", "--start-url", mirror.start_url, "--db", str(settings.db), "--json"]
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(peak), *command], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 3, done.stderr[-2000:]
    message = json.loads(done.stdout)["message"]
    assert f"Norway incomplete: the page is larger than the page size limit of {limit} bytes" in message
    assert "ECEI_MAX_PAGE_BYTES" in message
    assert "Traceback" not in done.stderr
    # the page was never held whole: no process came near the size the bomb inflates to
    assert int(peak.read_text()) * 1024 < inflated / 2


# robots.txt: Scrapy 2.19 fetches it once per site through the downloader middlewares (so 5xx is
# retried, honouring Retry-After), then parses whatever body came back, whatever the status: a
# 404 or 5xx error page holds no rules, so everything is allowed. A download error (timeout,
# refused connection) also allows everything. Only rules that disallow the pages stop the crawl.
@pytest.mark.parametrize("status", [404, 503])
def test_robots_txt_error_status_allows_the_crawl(settings: Settings, mirror: Mirror, status: int) -> None:
    result = run(settings, mirror, "2016-06", {ROBOTS: Fault(status=status)})
    assert result.status == "ok", result.message
    retried = status in (500, 503)
    assert mirror.requests.count(ROBOTS) == (settings.retry_times + 1 if retried else 1)


def test_robots_txt_hanging_allows_the_crawl(settings: Settings, mirror: Mirror) -> None:
    quick = settings.model_copy(update={"download_timeout": 1, "retry_times": 0})
    result = run(quick, mirror, "2016-06", {ROBOTS: Fault(hang=True)})
    assert result.status == "ok", result.message


def test_robots_txt_forbidding_the_overview_fails_and_writes_nothing(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None]
) -> None:
    start_from("2016-06")
    before = history(settings.db)
    forbid = Fault(rewrite=lambda body: b"User-agent: *\nDisallow: /benchmarked-clusters\n")
    result = run(settings, mirror, "2021-09", {ROBOTS: forbid})
    assert result.status == "failed"
    assert "robots.txt" in (result.message or "")
    assert OVERVIEW not in mirror.requests
    assert history(settings.db) == before


# --- pages that lie ---------------------------------------------------------------------------


def cut_at(marker: Callable[[bytes], int]) -> Callable[[bytes], bytes]:
    return lambda body: body[: marker(body)]


def half_of_the_table(body: bytes) -> int:
    start, end = body.index(b"<table"), body.index(b"</table>")
    return start + (end - start) // 2


def inside_a_date(body: bytes) -> int:
    # '2016/06/25' becomes '2016/06/2': still a date, on a row that still has all its cells
    last = list(re.finditer(rb"<td>\d{4}/\d{2}/[1-3]\d</td>", body))[-1]
    return last.end() - len(b"</td>") - 1


@pytest.mark.parametrize("where", [half_of_the_table, inside_a_date], ids=["mid-table", "mid-date"])
def test_country_page_cut_off_is_partial_and_closes_nothing(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None], where: Callable[[bytes], int]
) -> None:
    start_from("2016-06")
    before = history(settings.db)
    result = run(settings, mirror, "2016-06", {COUNTRY_PATH + NORWAY: Fault(rewrite=cut_at(where))})
    assert result.status == "partial"
    assert history(settings.db) == before  # no bogus version from a cut cell, nothing closed
    assert "Norway incomplete: the page is cut off" in (result.message or "")
    assert re.search(r"rows seen \(\d+\) differ from the stated total", result.message or "")


def drop_country_links(body: bytes) -> bytes:
    return re.sub(rb"<li><a href=\"/benchmarked-clusters/\?country=[^\"]+\">[^<]*</a></li>", b"", body)


def drop_stated_total(body: bytes) -> bytes:
    return re.sub(rb"The list includes \d+ clusters from \d+ countries", b"", body)


@pytest.mark.parametrize(
    ("rewrite", "says"),
    [
        (drop_country_links, "the overview links no country page"),
        (drop_stated_total, "the overview states no total"),
        (lambda body: b"", "the overview states no total"),
    ],
    ids=["no-countries", "no-total", "empty-overview"],
)
def test_overview_that_lies_closes_nothing(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None], rewrite: Callable[[bytes], bytes], says: str
) -> None:
    start_from("2018-10")
    current = query(settings.db, "select cluster_id, row_hash from clusters_current join versions using (cluster_id)")
    # 2021-09 delists clusters: a complete run would close them, these runs must not
    result = run(settings, mirror, "2021-09", {OVERVIEW: Fault(rewrite=rewrite)})
    assert result.status == "partial"
    assert says in (result.message or "")
    assert result.recorded["removed"] == 0
    still = {r[0] for r in query(settings.db, "select cluster_id from clusters_current")}
    assert {r[0] for r in current} <= still


def test_country_page_200_with_empty_body_is_incomplete(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None]
) -> None:
    start_from("2016-06")
    before = history(settings.db)
    result = run(settings, mirror, "2016-06", {COUNTRY_PATH + ITALY: Fault(rewrite=lambda body: b"")})
    assert result.status == "partial"
    assert "Italy incomplete: the page is empty" in (result.message or "")
    assert history(settings.db) == before


# --- layout drift -----------------------------------------------------------------------------


def drop_column(header: bytes) -> Callable[[bytes], bytes]:
    def rewrite(body: bytes) -> bytes:
        doc = lxml.html.document_fromstring(body)
        table = doc.xpath("//table[@class='clusterlist']")[0]
        rows = table.xpath("./tr")
        index = [c.text_content() for c in rows[0]].index(header.decode())
        for tr in rows:
            cells = [c for c in tr if c.tag in ("td", "th")]
            if len(cells) > index:
                tr.remove(cells[index])
        return lxml.html.tostring(doc, encoding="utf-8")

    return rewrite


def add_column(body: bytes) -> bytes:
    body = body.replace(b"<th>Label valid until</th>", b"<th>Label valid until</th><th>Region</th>")
    return body


@pytest.mark.parametrize(
    ("rewrite", "shown"),
    [
        (drop_column(b"www"), "'Name', 'Comparative portfolio', 'Label valid until'"),
        (drop_column(b"Name"), "'Comparative portfolio', 'www', 'Label valid until'"),
        (add_column, "'Label valid until', 'Region'"),
    ],
    ids=["missing-www", "missing-name", "extra-column"],
)
def test_layout_drift_fails_naming_page_and_headers(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None], rewrite: Callable[[bytes], bytes], shown: str
) -> None:
    start_from("2016-06")
    before = history(settings.db)
    result = run(settings, mirror, "2021-09", {COUNTRY_PATH + NORWAY: Fault(rewrite=rewrite)})
    assert result.status == "failed"
    status, message = query(settings.db, "select status, message from crawl_runs where run_id = ?", [result.run_id])[0]
    assert status == "failed"
    assert f"page layout changed at {mirror.base_url}{COUNTRY_PATH}{NORWAY}" in message
    assert shown in message
    assert history(settings.db) == before
    assert run_written(settings.db, result.run_id) == [(0, 0, 0)]


def _entities(text: str) -> str:
    # every letter as a numeric character reference, alternately decimal and hex
    out = []
    for i, ch in enumerate(text):
        if ch.isalnum():
            out.append(f"&#{ord(ch)};" if i % 2 else f"&#x{ord(ch):x};")
        else:
            out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;", " ": " \n\t&nbsp; "}.get(ch, ch))
    return "".join(out)


def noisy_cells(body: bytes) -> bytes:
    """Wrap every cell's text in tags, pad it with whitespace and NBSP, write it as entities."""
    doc = lxml.html.document_fromstring(body)
    table = doc.xpath("//table[@class='clusterlist']")[0]
    markers: dict[str, str] = {}
    for n, td in enumerate(table.xpath(".//td")):
        links = td.xpath(".//a[@href]")
        text = td.text_content()
        for child in list(td):
            td.remove(child)
        key = f"CELL{n}MARK"
        inner = f"\n  &nbsp;<span class='x'> <b>{_entities(text.strip())}</b><!-- note --> </span>&nbsp;\t\n"
        if links:
            href = "".join(f"&#{ord(c)};" if c in ":/." else c for c in links[0].get("href"))
            inner = f' <em><a href="{href}" target="_blank"><img src="/i.gif" alt=""></a></em> ' + inner
        markers[key] = inner
        td.text = key
    html = lxml.html.tostring(doc, encoding="unicode")
    for key, inner in markers.items():
        html = html.replace(key, inner, 1)
    return html.encode("utf-8")


def test_whitespace_nbsp_entities_and_tags_in_cells_store_the_same(
    settings: Settings, mirror: Mirror, tmp_path: Path
) -> None:
    straight = run(settings, mirror, "2018-10")
    faults = {path: Fault(rewrite=noisy_cells) for path in mirror.routes() if "country=" in path}
    noisy_settings = settings.model_copy(update={"db": tmp_path / "noisy.duckdb"})
    noisy = run(noisy_settings, mirror, "2018-10", faults)
    assert straight.status == noisy.status == "ok", noisy.message
    sql = "select cluster_id, country, country_id, name, portfolio, website, valid_until, row_hash from versions"
    assert query(settings.db, sql + " order by all") == query(noisy_settings.db, sql + " order by all")
    assert query(settings.db, "select reason from quarantine") == query(
        noisy_settings.db, "select reason from quarantine"
    )
    assert figures_add_up(noisy_settings.db)
