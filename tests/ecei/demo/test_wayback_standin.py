"""The archive stand-in answers its CDX index as the Internet Archive's does, for what the tests rely on."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from urllib.parse import urlencode

from ecei.demo.wayback_standin import LIVE_SITE, ArchivedCapture, demo_captures, serve_archive, surt
from ecei.rebuild.wayback_client import parse_cdx_json

OVERVIEW = LIVE_SITE + "/benchmarked-clusters"


def get(base: str, **params: str) -> bytes:
    with urllib.request.urlopen(f"{base}/cdx/search/cdx?{urlencode(params)}", timeout=30) as reply:
        return reply.read()


def test_spellings_of_a_url_share_one_index_key() -> None:
    assert surt("http://cluster-analysis.org/benchmarked-clusters") == surt(OVERVIEW)
    assert surt("https://www.cluster-analysis.org:443/benchmarked-clusters/?country=ABC") == surt(
        OVERVIEW + "/?country=abc"
    )
    assert surt("https://cluster-analysis.org:8443/benchmarked-clusters") != surt(OVERVIEW)


def test_plain_and_json_output_list_the_same_rows() -> None:
    with serve_archive() as standin:
        plain = get(standin.base_url, url="cluster-analysis.org/benchmarked-clusters", fl="timestamp,original")
        table = json.loads(get(standin.base_url, url=OVERVIEW, output="json", fl="timestamp,original"))
    assert table[0] == ["timestamp", "original"]
    assert [line.split(" ") for line in plain.decode().splitlines()] == table[1:]
    assert [row[0] for row in table[1:]] == ["20160615090000", "20181015090000", "20210915090000"]


def test_prefix_from_to_filter_and_collapse() -> None:
    captures = demo_captures()
    captures.append(ArchivedCapture(dt.datetime(2016, 6, 15, 9, 30), OVERVIEW, captures[0].body))
    captures.append(ArchivedCapture(dt.datetime(2017, 1, 1), OVERVIEW, b"", status=301, location=OVERVIEW))
    with serve_archive(captures) as standin:
        base = standin.base_url
        every = json.loads(get(base, url=OVERVIEW, matchType="prefix", output="json"))
        between = json.loads(get(base, url=OVERVIEW, output="json", fl="timestamp", **{"from": "2017", "to": "2019"}))
        no_redirect = json.loads(get(base, url=OVERVIEW, output="json", fl="statuscode", filter="!statuscode:3.."))
        collapsed = json.loads(get(base, url=OVERVIEW, output="json", fl="timestamp", collapse="digest"))
    assert len(every) - 1 == len(captures)
    assert between[1:] == [["20170101000000"], ["20181015090000"]]
    assert ["301"] not in no_redirect[1:] and len(no_redirect) - 1 == 4
    # the unchanged capture half an hour later folds into the one before it
    assert ["20160615093000"] not in collapsed[1:] and len(collapsed) - 1 == 4


def test_pages_follow_by_resume_key() -> None:
    with serve_archive() as standin:
        base, rows, resume, pages = standin.base_url, [], None, 0
        while True:
            extra = {"resumeKey": resume} if resume else {}
            found, resume = parse_cdx_json(
                get(base, url=OVERVIEW, matchType="prefix", output="json", limit="4", showResumeKey="true", **extra)
            )
            rows += found
            pages += 1
            if not resume:
                break
    assert pages == 4 and len(rows) == 15 and len({(r.timestamp, r.original) for r in rows}) == 15
