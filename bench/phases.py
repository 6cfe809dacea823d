"""Where one refresh's time goes: start-up, the crawl process (and its validation), the merge."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTRY_PAGES = (Path(__file__).parent / "sql" / "run_country_pages.sql").read_text(encoding="utf-8")


def phases(url: str, base: Path, work: Path) -> dict[str, float]:
    """Seconds of each phase of one refresh of `url` into a copy of `base`: start-up (imports of the
    CLI), the crawl process (of which validation: the same pages validated again in-process), and
    the merge."""
    from crawler.items import CountryPageItem
    from crawler.pages import parse_country
    from ecei.refresh import run as r
    from ecei.refresh.completeness import assess
    from ecei.settings import Settings
    from pipelines.dedupe_rows import dedupe_page
    from pipelines.validate_rows import validate_page
    from warehouse.archive import decompress
    from warehouse.db import open_when_free
    from warehouse.runs import begin_run, utcnow

    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import ecei.cli"], check=True, cwd=ROOT)
    startup = time.perf_counter() - start
    db = work / "phases.duckdb"
    shutil.copy(base, db)
    settings = Settings(start_url=url, db=db, polite=False)
    with closing(open_when_free(db, 5)) as con:
        run_id = begin_run(con, url, utcnow(), os.getpid())
    start = time.perf_counter()
    stage, summary, crash = r.run_crawl(settings, Path(tempfile.mkdtemp(dir=work)))
    crawl = time.perf_counter() - start
    verdict = assess(stage, summary, crash)
    start = time.perf_counter()
    with closing(open_when_free(db, 5)) as con:
        r.load_run(
            con, run_id, utcnow(), stage, verdict, r.archive_staged(run_id, utcnow(), url, stage, summary, crash)
        )
    merge = time.perf_counter() - start
    with closing(open_when_free(db, 5, read_only=True)) as con:
        pages = con.execute(COUNTRY_PAGES, {"run_id": run_id}).fetchall()
    tables = [(u, parse_country(decompress(c, bytes(b)), u, "utf-8")) for u, c, b in pages]
    start = time.perf_counter()
    seen: dict = {}
    for u, t in tables:
        item = CountryPageItem(u, "x", "X", t.headers, t.rows) if t else None
        if item:
            validate_page(item)
            dedupe_page(item, seen)
    validation = time.perf_counter() - start
    return {"start-up": startup, "crawl process": crawl, "of which validation": validation, "merge": merge}
