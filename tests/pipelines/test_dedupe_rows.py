"""Exact repeats load once; a second row with the same key and other values is quarantined."""

from __future__ import annotations

import orjson
from scrapy.utils.test import get_crawler

from crawler.items import CountryPageItem
from crawler.pages import RawRow
from pipelines.dedupe_rows import DedupeRowsPipeline
from pipelines.validate_rows import ValidateRowsPipeline, check_in_worker


def page(url: str, *rows: tuple[str, str]) -> CountryPageItem:
    raw = [RawRow(i, name, "ICT", "", None, date) for i, (name, date) in enumerate(rows, start=1)]
    return CountryPageItem(url=url, country_id="c1", country="Norway", headers=[], rows=raw)


def run(*items: CountryPageItem) -> list[CountryPageItem]:
    crawler = get_crawler()
    validate, dedupe = ValidateRowsPipeline(crawler), DedupeRowsPipeline(crawler)
    return [dedupe.process_item(validate.process_item(i)) for i in items]


def test_exact_duplicate_loads_once_and_is_counted() -> None:
    (item,) = run(page("u1", ("A", "2020/01/01"), ("A", "2020/01/01")))
    assert (len(item.accepted), item.duplicates, item.rejected) == (1, 1, [])


def test_same_key_other_values_is_quarantined() -> None:
    (item,) = run(page("u1", ("A", "2020/01/01"), ("a ", "2021/01/01")))
    assert len(item.accepted) == 1
    assert item.rejected[0]["row_number"] == 2
    assert item.rejected[0]["reason"].startswith("duplicate key: row 1 ")


def test_duplicate_on_another_page_of_the_same_country() -> None:
    _, second = run(page("u1", ("A", "2020/01/01")), page("u2", ("A", "2022/01/01"), ("B", "2020/01/01")))
    assert [orjson.loads(e.record)["name"] for e in second.accepted] == ["B"]
    assert "row 1 of u1" in second.rejected[0]["reason"]


def test_rows_add_up() -> None:
    (item,) = run(page("u1", ("A", "2020/01/01"), ("A", "2020/01/01"), ("", "2020/01/01"), ("A", "2030/01/01")))
    assert len(item.accepted) + item.duplicates + len(item.rejected) == len(item.rows)


def test_a_page_checked_where_it_was_parsed_is_taken_as_checked() -> None:
    item = page("u1", ("A", "2020/01/01"), ("B", "2021/02/30"))
    item.checked = check_in_worker(item.country, item.country_id, item.rows)
    (checked,) = run(item)
    (here,) = run(page("u1", ("A", "2020/01/01"), ("B", "2021/02/30")))
    assert (checked.accepted, checked.rejected) == (here.accepted, here.rejected)
    assert [r["row_number"] for r in checked.rejected] == [2]
