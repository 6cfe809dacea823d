"""Large pages parsed in a worker process: the same table, the same errors, no worker left behind."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.pages import LayoutChanged, PageUnreadable, parse_country
from crawler.parse_pool import LARGE_PAGE, ParsePool
from pipelines.validate_rows import check_rows, from_worker

URL = "http://127.0.0.1/benchmarked-clusters/?country=abc"
HEADER = "<tr><th>Name</th><th>Comparative portfolio</th><th>www</th><th>Label valid until</th></tr>"


def page(rows: int, header: str = HEADER, tail: str = "</table></body></html>") -> bytes:
    body = "".join(
        f"<tr><td>Cluster {i} <b>AS</b></td><td>ICT</td>"
        f"<td><a href='http://c{i}.example/'>c{i}.example</a></td><td>2020/01/{i % 28 + 1:02}</td>"
        f"{'<td>extra</td>' if i % 97 == 0 else ''}</tr>"
        for i in range(rows)
    )
    return f"<html><body><table>{header}{body}<tr></tr>".encode() + tail.encode()


def parse(pool: ParsePool, html: bytes) -> object:
    return asyncio.run(pool.parse_country(html, URL, "utf-8"))


def test_a_large_page_parsed_by_the_worker_is_the_page_parsed_here() -> None:
    html = page(3000)
    assert len(html) >= LARGE_PAGE
    pool = ParsePool(1)
    try:
        assert parse(pool, html) == parse_country(html, URL, "utf-8")
        assert pool.workers.pool is not None  # it did go to the worker
    finally:
        pool.close()


def test_a_small_page_starts_no_worker() -> None:
    pool = ParsePool(1)
    table = parse(pool, page(20))
    assert table is not None and len(table.rows) == 20
    assert pool.workers.pool is None


def test_a_layout_change_found_by_the_worker_is_raised_here() -> None:
    header = HEADER.replace("</tr>", "<th>Region</th></tr>")
    pool = ParsePool(1)
    try:
        with pytest.raises(LayoutChanged) as info:
            parse(pool, page(3000, header))
        assert info.value.url == URL and "Region" in info.value.headers
    finally:
        pool.close()


def test_an_unreadable_page_found_by_the_worker_is_raised_here() -> None:
    html = page(3000).replace(b"<td>ICT</td>", b"<td>" + b"<b>" * 5000 + b"ICT</td>", 1)
    pool = ParsePool(1)
    try:
        with pytest.raises(PageUnreadable) as info:
            parse(pool, html)
        assert info.value.url == URL
        with pytest.raises(PageUnreadable) as here:
            parse_country(html, URL, "utf-8")
        assert str(info.value) == str(here.value)
    finally:
        pool.close()


def test_a_worker_that_dies_fails_its_page_with_the_reason_and_the_next_page_gets_a_new_one() -> None:
    html = page(3000)
    pool = ParsePool(1)
    try:
        parse(pool, html)
        assert pool.workers.pool is not None
        for pid in list(pool.workers.pool._processes):
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        with pytest.raises(PageUnreadable, match="the process parsing it died"):
            parse(pool, html)
        assert parse(pool, html) == parse_country(html, URL, "utf-8")
    finally:
        pool.close()


def test_the_worker_ends_when_the_crawl_process_is_killed(tmp_path: Path) -> None:
    html = tmp_path / "page.html"
    html.write_bytes(page(3000))
    code = (
        "import asyncio, sys, time\n"
        "from pathlib import Path\n"
        "from crawler.parse_pool import ParsePool\n"
        "pool = ParsePool(1)\n"
        f"asyncio.run(pool.parse_country(Path({str(html)!r}).read_bytes(), {URL!r}, 'utf-8'))\n"
        "print(*pool.workers.pool._processes, flush=True)\n"
        "time.sleep(60)\n"
    )
    crawl = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    assert crawl.stdout is not None
    workers = [int(p) for p in crawl.stdout.readline().split()]
    assert workers
    crawl.send_signal(signal.SIGKILL)
    crawl.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in workers):
        time.sleep(0.1)
    assert not any(Path(f"/proc/{p}").exists() for p in workers)


def test_a_large_page_checked_by_the_worker_is_the_page_checked_here() -> None:
    html = page(3000).replace(b"<td>2020/01/05</td>", b"<td>2021/02/30</td>")  # some rows fail the contract
    pool = ParsePool(1, check="pipelines.validate_rows.check_in_worker")
    try:
        table = asyncio.run(pool.parse_country(html, URL, "utf-8", ("Norway", "abc")))
    finally:
        pool.close()
    here = parse_country(html, URL, "utf-8")
    assert table is not None and here is not None and table.rows == here.rows
    verdict = from_worker(table.checked)
    assert verdict == check_rows("Norway", "abc", here.rows)
    assert verdict.rejected and len(verdict.accepted) + len(verdict.rejected) == 3000


def test_a_small_page_is_not_checked_on_the_way() -> None:
    pool = ParsePool(1, check="pipelines.validate_rows.check_in_worker")
    table = asyncio.run(pool.parse_country(page(20), URL, "utf-8", ("Norway", "abc")))
    assert table is not None and table.checked is None  # the pipeline validates it


def test_a_check_that_fails_in_the_worker_leaves_the_page_to_the_pipeline(caplog: pytest.LogCaptureFixture) -> None:
    html = page(3000)
    pool = ParsePool(1, check="json.loads")  # called with (country, country id, rows): a TypeError
    try:
        table = asyncio.run(pool.parse_country(html, URL, "utf-8", ("Norway", "abc")))
    finally:
        pool.close()
    assert table is not None and table.checked is None
    assert table.rows == parse_country(html, URL, "utf-8").rows  # type: ignore[union-attr]
    assert "could not check" in caplog.text and "TypeError" in caplog.text
