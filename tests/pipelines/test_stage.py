"""The stage contract: the row record's declared columns are what the writer writes, and what the
writer writes, the readers and DuckDB read back with the declared types."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.archive_pages import ArchivePagesMiddleware
from crawler.pages import RawRow
from pipelines.contract import ClusterRow
from pipelines.stage import (
    CRAWL_OUTPUTS,
    REJECTED_COLUMNS,
    ROW_COLUMNS,
    Stage,
    rejected_record,
    row_record,
    staged_rows,
)
from tests.stages import Crawl, country_page, failure, link, raw_rows
from warehouse.merge import load_stage

NORWAY, ITALY = link("no-1", "Norway"), link("it-1", "Italy")
ROW = ClusterRow(
    country="Norway",
    country_id="no-1",
    name="Ålesund  Cluster",
    portfolio="Maritime",
    valid_until=dt.date(2031, 2, 28),
    website=None,
)


def test_the_record_is_what_the_contract_serialises_with_its_key() -> None:
    record = orjson.loads(row_record(ROW))
    assert record == {**ROW.model_dump(mode="json"), "country_key": ROW.key[0], "name_key": ROW.key[1]}


def test_the_declared_columns_are_the_staged_line_in_order() -> None:
    (line,) = staged_rows("http://x/?country=no-1", [_Accepted(5, row_record(ROW))]).splitlines()
    staged = orjson.loads(line)
    assert list(staged) == list(ROW_COLUMNS)
    assert (staged["page_url"], staged["row_number"]) == ("http://x/?country=no-1", 5)
    # and the contract's own fields are the columns between the place and the key
    assert list(ROW_COLUMNS)[2:-2] == list(ClusterRow.model_fields)


class _Accepted:
    def __init__(self, row_number: int, record: bytes) -> None:
        self.row_number, self.record = row_number, record


def test_staged_rows_of_a_page_put_the_url_in_json_once_per_line() -> None:
    url = 'http://x/?country="quoted"'
    lines = staged_rows(url, [_Accepted(1, row_record(ROW)), _Accepted(2, row_record(ROW))]).splitlines()
    assert [orjson.loads(line)["page_url"] for line in lines] == [url, url]
    assert staged_rows(url, []) == b""


def _crawl(tmp_path: Path) -> Stage:
    page = country_page(NORWAY, [*raw_rows(2), RawRow(3, "Bad", "Health", "", None, "2021/02/30")])
    crawl = Crawl(stated_total=5, links=[NORWAY, ITALY], pages=[page, failure(ITALY, "HTTP 503")])
    return Stage(crawl.stage(tmp_path / "stage"))


def test_the_readers_read_what_the_writer_wrote(tmp_path: Path) -> None:
    stage = _crawl(tmp_path)
    overview, country, failed = stage.read_pages()
    assert overview["kind"] == "overview" and overview["stated_total"] == 5
    assert [c["country_id"] for c in overview["countries"]] == ["no-1", "it-1"]
    assert country == {
        "kind": "country",
        "url": NORWAY.url,
        "country_id": "no-1",
        "country": "Norway",
        "headers": [],
        "rows_seen": 3,
        "rows_loaded": 2,
        "rows_rejected": 1,
        "rows_duplicate": 0,
        "websites_invalid": 0,
    }
    assert failed == {
        "kind": "failure",
        "url": ITALY.url,
        "country_id": "it-1",
        "country": "Italy",
        "reason": "HTTP 503",
    }
    (rejected,) = stage.read_rejected()
    assert (rejected["page_url"], rejected["row_number"], rejected["raw"]["name"]) == (NORWAY.url, 3, "Bad")
    assert (rejected["country_key"], rejected["name_key"]) == ("no1", "bad")


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    country_id=st.from_regex(r"[0-9A-Za-z-]{1,12}", fullmatch=True),
)
def test_a_rejected_row_carries_the_key_its_row_would_have(name: str, country_id: str) -> None:
    # the merge keeps a cluster open when a rejected row names its key: both keys must agree
    raw = {"country": "Norway", "country_id": country_id, "name": name, "valid_until": "2021/02/30"}
    record = rejected_record("http://x/", {"row_number": 1, "raw": raw, "reason": "valid_until: impossible"})
    try:
        row = ClusterRow(country="Norway", country_id=country_id, name=name, portfolio="ICT", valid_until="2030/01/31")
    except ValidationError:
        assert record["name_key"] is None  # an empty name names no cluster
        return
    assert (record["country_key"], record["name_key"]) == row.key


def test_an_id_of_dashes_only_keeps_the_empty_key_its_row_would_have() -> None:
    # found by hypothesis: country_key('-') is '', which is a key, not a missing one
    raw = {"country": "Norway", "country_id": "-", "name": "0", "valid_until": "2021/02/30"}
    record = rejected_record("http://x/", {"row_number": 1, "raw": raw, "reason": "valid_until: impossible"})
    assert (record["country_key"], record["name_key"]) == ("", "0")


def test_a_row_without_a_name_has_no_name_key() -> None:
    raw = {"country": "Norway", "country_id": "no-1", "name": None, "valid_until": "2021/02/30"}
    record = rejected_record("http://x/", {"row_number": 4, "raw": raw, "reason": "row has fewer cells"})
    assert (record["country_key"], record["name_key"]) == ("no1", None)


def test_duckdb_reads_the_staged_files_with_the_declared_types(tmp_path: Path) -> None:
    stage = _crawl(tmp_path)
    with duckdb.connect() as con:
        load_stage(con, stage.rows, stage.rejected)
        rows = {c: t for c, t, *_ in con.execute("describe stage_rows").fetchall()}
        assert {c: rows[c] for c in ROW_COLUMNS} == ROW_COLUMNS
        rejected = {c: t for c, t, *_ in con.execute("describe stage_rejected").fetchall()}
        assert rejected == REJECTED_COLUMNS
        got = con.execute("select row_number, name, valid_until, website from stage_rows order by 1").fetchall()
        assert got == [
            (1, "Cluster 1", dt.date(2030, 1, 31), "http://cluster1.example.org/"),
            (2, "Cluster 2", dt.date(2030, 1, 31), "http://cluster2.example.org/"),
        ]
        (raw,) = con.execute("select raw ->> '$.valid_until' from stage_rejected").fetchone() or (None,)
        assert raw == "2021/02/30"


def test_a_stage_without_files_reads_as_empty(tmp_path: Path) -> None:
    stage = Stage(tmp_path)
    assert (stage.read_pages(), stage.read_rejected(), stage.read_summary()) == ([], [], None)
    assert stage.read_fetches() == ([], {})


def test_the_summary_is_read_where_the_crawler_writes_it(tmp_path: Path) -> None:
    stage = Stage(tmp_path)
    (tmp_path / CRAWL_OUTPUTS.summary).write_text(json.dumps({"finish_reason": "finished", "layout_error": None}))
    assert stage.read_summary() == {"finish_reason": "finished", "layout_error": None}


def test_the_fetches_the_page_archive_keeps_are_read_back_with_their_bodies(tmp_path: Path) -> None:
    stage = Stage(tmp_path)
    crawler = get_crawler(settings_dict={"ECEI_FETCHES": str(stage.fetches), "ECEI_BODIES": str(stage.bodies)})
    archive = ArchivePagesMiddleware.from_crawler(crawler)
    url = "http://127.0.0.1:1/benchmarked-clusters/?country=no-1"
    for _ in range(2):  # the same body twice: kept once
        archive.process_response(Request(url), HtmlResponse(url=url, body=b"<html>same</html>", encoding="utf-8"))
    archive.process_exception(Request(url + "&page=2"), TimeoutError("took too long"))
    archive.close()
    fetches, bodies = stage.read_fetches()
    assert [(f["seq"], f["kind"], f["status"], f["error"]) for f in fetches] == [
        (1, "country", 200, None),
        (2, "country", 200, None),
        (3, "country", None, "took too long"),
    ]
    assert list(bodies.values()) == [b"<html>same</html>"]
    assert fetches[0]["sha256"] in bodies
