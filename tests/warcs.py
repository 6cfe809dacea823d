"""WARC files written from the mirror's snapshots, at capture dates of the test's choosing."""

from __future__ import annotations

import datetime as dt
import json
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from ecei.mirror import demo_site

SITE = "https://www.cluster-analysis.org"
JUNE_2016 = dt.datetime(2016, 6, 15, 10, 0)
OCT_2018 = dt.datetime(2018, 10, 20, 8, 30)


def write_warc(path: Path, captures: list[tuple[str, dt.datetime, set[str]]]) -> Path:
    """One response record per page of each (snapshot, time, paths left out), a second apart."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=path.suffix == ".gz")
        for snapshot, at, left_out in captures:
            folder = demo_site(snapshot)
            routes = json.loads((folder / "routes.json").read_text())
            pages = [p for p in routes if p != "/benchmarked-clusters/" and p not in left_out]
            for i, page in enumerate(sorted(pages, key=lambda p: ("country=" in p, p))):
                kind = "text/plain" if page.endswith(".txt") else "text/html; charset=utf-8"
                headers = StatusAndHeaders("200 OK", [("Content-Type", kind)], protocol="HTTP/1.1")
                record = writer.create_warc_record(
                    SITE + page,
                    "response",
                    payload=BytesIO((folder / routes[page]).read_bytes()),
                    http_headers=headers,
                    warc_headers_dict={"WARC-Date": datetime_to_iso_date(at + dt.timedelta(seconds=i))},
                )
                writer.write_record(record)
    return path
