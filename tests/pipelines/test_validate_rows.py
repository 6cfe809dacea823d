"""Each row of a country page against the contract: what is accepted, what is quarantined and why,
the same verdict in a parse worker as here, and what the pipeline counts."""

from __future__ import annotations

import datetime as dt

import orjson
from scrapy.utils.test import get_crawler

from crawler.items import CountryPageItem, OverviewItem
from crawler.pages import RawRow
from pipelines.contract import ClusterRow
from pipelines.keys import country_key, name_key
from pipelines.stage import row_record
from pipelines.validate_rows import ValidateRowsPipeline, check_in_worker, check_rows, from_worker, validate_page


def row(n: int = 1, **cells: object) -> RawRow:
    values: dict[str, object] = {
        "name": "Oslo Cancer Cluster",
        "portfolio": "Health",
        "www": "oslocancercluster.no",
        "www_href": None,
        "valid_until": "2020/06/30",
    }
    return RawRow(n, **{**values, **cells})  # type: ignore[arg-type]


def test_a_good_row_is_accepted_as_its_staged_record() -> None:
    verdict = check_rows("Norway", "no-1", [row(7)])
    (accepted,) = verdict.accepted
    assert accepted.row_number == 7
    assert accepted.key == (country_key("no-1"), name_key("Oslo Cancer Cluster"))
    expected = ClusterRow(
        country="Norway",
        country_id="no-1",
        name="Oslo Cancer Cluster",
        portfolio="Health",
        valid_until=dt.date(2020, 6, 30),
        website="http://oslocancercluster.no/",
    )
    assert accepted.record == row_record(expected)
    assert (verdict.rejected, verdict.websites_invalid) == ([], 0)


def test_the_link_target_wins_over_the_cell_text() -> None:
    (accepted,) = check_rows("Norway", "no-1", [row(www="website", www_href="https://example.org/x")]).accepted
    assert orjson.loads(accepted.record)["website"] == "https://example.org/x"


def test_an_unusable_website_is_counted_and_the_row_kept_without_it() -> None:
    verdict = check_rows("Norway", "no-1", [row(www="n/a"), row(2, name="Other", www="")])
    assert [orjson.loads(a.record)["website"] for a in verdict.accepted] == [None, None]
    assert verdict.websites_invalid == 1  # an empty cell is no website, not an invalid one


def test_a_row_with_a_missing_cell_is_quarantined_as_the_page_showed_it() -> None:
    verdict = check_rows("Norway", "no-1", [row(3, portfolio=None)])
    assert verdict.accepted == []
    (rejected,) = verdict.rejected
    assert rejected["row_number"] == 3
    assert rejected["raw"]["portfolio"] is None and rejected["raw"]["name"] == "Oslo Cancer Cluster"
    assert rejected["reason"] == "portfolio: Input should be a valid string; row has fewer cells than the header"


def test_a_row_with_an_extra_cell_is_quarantined_even_when_its_values_hold() -> None:
    (rejected,) = check_rows("Norway", "no-1", [row(extra_cells=["surplus"])]).rejected
    assert rejected["reason"] == "row has 1 cell(s) more than the header"
    assert rejected["raw"]["extra_cells"] == ["surplus"]


def test_an_impossible_date_is_the_first_reason() -> None:
    (rejected,) = check_rows("Norway", "no-1", [row(valid_until="2021/02/30", extra_cells=["x"])]).rejected
    assert rejected["reason"].startswith("valid_until: ")
    assert rejected["reason"].endswith("; row has 1 cell(s) more than the header")


def test_the_worker_verdict_crosses_as_plain_tuples_and_comes_back_equal() -> None:
    rows = [row(1), row(2, name=""), row(3, name="Second", www="bad url")]
    checked = check_in_worker("Norway", "no-1", rows)
    assert all(type(a) is tuple for a in checked[0])
    assert from_worker(checked) == check_rows("Norway", "no-1", rows)


def page(*rows: RawRow) -> CountryPageItem:
    url = "http://x/?country=no-1"
    return CountryPageItem(url=url, country_id="no-1", country="Norway", headers=[], rows=list(rows))


def test_validate_page_fills_the_page() -> None:
    item = page(row(1), row(2, valid_until="soon"), row(3, name="B", www="??"))
    validate_page(item)
    assert [a.row_number for a in item.accepted] == [1, 3]
    assert [r["row_number"] for r in item.rejected] == [2]
    assert item.websites_invalid == 1


def test_the_pipeline_counts_what_it_quarantined_and_passes_other_items_by() -> None:
    crawler = get_crawler()
    pipeline = ValidateRowsPipeline.from_crawler(crawler)
    overview = OverviewItem("http://x/", 3, 1, [], 0)
    assert pipeline.process_item(overview) is overview
    item = pipeline.process_item(page(row(1), row(2, name=None), row(3, name="B", www="??")))
    assert len(item.accepted) == 2
    assert crawler.stats.get_value("ecei/rows_invalid") == 1
    assert crawler.stats.get_value("ecei/websites_invalid") == 1


def test_the_pipeline_takes_the_verdict_a_worker_brought() -> None:
    crawler = get_crawler()
    item = page(row(1), row(2))
    # a verdict that differs from what this process would find: the pipeline must not redo it
    item.checked = check_in_worker("Norway", "no-1", [row(1)])
    ValidateRowsPipeline.from_crawler(crawler).process_item(item)
    assert [a.row_number for a in item.accepted] == [1]


def test_bytes_that_did_not_decode_quarantine_the_row_whatever_else_holds() -> None:
    # `Møre` as windows-1252 read as UTF-8: the row keeps the contract, and is still no name to load
    verdict = check_rows("Norway", "no-1", [row(2, name="M\ufffdre Cluster", www_href="http://m\ufffdre.no/")])
    assert verdict.accepted == []
    (rejected,) = verdict.rejected
    assert rejected["reason"] == "bytes the page's encoding cannot read (U+FFFD) in name, www link"
    assert rejected["raw"]["name"] == "M\ufffdre Cluster"


def test_a_country_that_did_not_decode_quarantines_its_rows() -> None:
    (rejected,) = check_rows("Sp\ufffdin", "es-1", [row()]).rejected
    assert rejected["reason"].endswith("(U+FFFD) in country")
