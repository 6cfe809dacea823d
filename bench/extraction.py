"""Extraction: the spider's parse of one large country page against a bare lxml parse of it."""

from __future__ import annotations

import time
from pathlib import Path

from bench import generate, yardstick
from bench.results import Result, median_alternating
from crawler.pages import parse_country


def extraction(work: Path, rows: int, repeat: int) -> Result:
    """The spider's parse of one page of `rows` rows against a bare lxml parse of it."""
    country = generate.first_snapshot(1, rows)[0]
    generate.write_site([country], work / "extract")
    body = (work / "extract" / "country" / f"{country.id}.html").read_bytes()
    url = "http://127.0.0.1/benchmarked-clusters/?country=" + country.id

    def ours() -> float:
        start = time.perf_counter()
        table = parse_country(body, url)
        assert table is not None and len(table.rows) == rows
        return time.perf_counter() - start

    def theirs() -> float:
        start = time.perf_counter()
        assert len(yardstick.parse_country(body, country.id)) == rows
        return time.perf_counter() - start

    a, b = median_alternating(ours, theirs, repeat)
    return Result(f"extraction, one page of {rows:,} rows: rows/s", rows / a, rows / b, "rows/s", ">= 0.5x")
