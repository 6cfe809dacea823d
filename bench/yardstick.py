"""The leanest honest refresh, written by hand: the yardstick ecei-watch is measured against.

    python bench/yardstick.py START_URL DB

Fetches the overview and every country page (two at a time, like ecei-watch), parses the tables
with lxml, and merges them into a type-2 history in DuckDB in one transaction: close the versions
that changed or vanished, insert the new ones. No robots.txt, no validation, no quarantine, no
run ledger. `merge_sql` is also what the merge benchmark compares ecei-watch's merge against.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
import tempfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import duckdb
import lxml.etree
import lxml.html


def _sql(name: str) -> str:
    # beside this file, not through the bench package: the yardstick also runs as a plain script
    return (Path(__file__).parent / "sql" / name).read_text(encoding="utf-8")


SCHEMA = _sql("yardstick_schema.sql")
MERGE_SQL = _sql("yardstick_merge.sql")
STAGE_FROM_CSV = _sql("yardstick_stage_csv.sql")
STAGE_FROM_STAGED_ROWS = _sql("yardstick_stage_json.sql")  # $path: rows staged as ecei-watch stages them


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def parse_country(body: bytes, country_id: str) -> list[tuple[str, ...]]:
    # lxml directly, one pass over the rows: no selector per cell, which would cost more than the parse
    doc = lxml.etree.fromstring(body, lxml.etree.HTMLParser(encoding="utf-8"))
    rows = []
    for tr in doc.iter("tr"):
        cells = list(tr.iterchildren("td"))
        if len(cells) < 4:
            continue  # the header row (th) and anything that is not a cluster
        link = cells[2].find(".//a")
        rows.append(
            (country_id, "".join(cells[0].itertext()).strip(), "".join(cells[1].itertext()).strip(),
             link.get("href", "") if link is not None else "", "".join(cells[3].itertext()).strip())
        )  # fmt: skip
    return rows


def stage_staged_rows(con: duckdb.DuckDBPyConnection, staged: Path) -> None:
    """Load ecei-watch's staged rows into the temp table `stage` (the merge benchmark's common input)."""
    con.execute(STAGE_FROM_STAGED_ROWS, {"path": str(staged)})


def merge_sql(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> None:
    """The hand-written type-2 merge of the temp table `stage` into `hist` (caller's transaction)."""
    con.execute("create or replace temp table merge_now as select ?::timestamp as now", [now])
    con.execute(MERGE_SQL)


def refresh(start_url: str, db: str) -> int:
    overview = lxml.html.document_fromstring(fetch(start_url))
    links = {}
    for href in overview.xpath("//a/@href"):
        absolute = urljoin(start_url, href)
        ids = parse_qs(urlsplit(absolute).query).get("country")
        if ids:
            links[ids[0]] = absolute
    with ThreadPoolExecutor(2) as pool:
        bodies = list(pool.map(fetch, links.values()))
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", newline="", delete=False) as f:
        writer = csv.writer(f, delimiter="\t")
        count = 0
        for country_id, body in zip(links, bodies, strict=True):
            rows = parse_country(body, country_id)
            writer.writerows(rows)
            count += len(rows)
    con = duckdb.connect(db)
    con.execute(SCHEMA)
    con.execute("begin")
    con.execute("set variable stage_path = ?", [f.name])
    con.execute(STAGE_FROM_CSV)
    merge_sql(con, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    con.execute("commit")
    con.close()
    Path(f.name).unlink()
    return count


if __name__ == "__main__":
    print(refresh(sys.argv[1], sys.argv[2]))
