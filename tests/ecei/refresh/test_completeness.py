"""The completeness rule on real staged folders, written by the stage's own writer."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecei.outcome import Status
from ecei.refresh.completeness import assess
from tests.stages import Crawl, country_page, failure, link, raw_rows

NORWAY, ITALY = link("no-1", "Norway"), link("it-1", "Italy")
FINISHED = {"finish_reason": "finished", "layout_error": None}


def both_countries(stated_total: int | None = 5, **crawl: object) -> Crawl:
    pages = [country_page(NORWAY, raw_rows(2)), country_page(ITALY, raw_rows(3, start=3))]
    return Crawl(stated_total, [NORWAY, ITALY], pages=pages, **crawl)  # type: ignore[arg-type]


def test_every_page_read_and_the_rows_add_up_is_complete(tmp_path: Path) -> None:
    verdict = assess(both_countries().stage(tmp_path), FINISHED)
    assert (verdict.status, verdict.message) == (Status.OK, None)
    f = verdict.figures
    assert (f.pages_fetched, f.pages_failed, f.countries_listed, f.countries_loaded) == (3, 0, 2, 2)
    assert (f.stated_total, f.rows_seen, f.rows_loaded, f.rows_rejected) == (5, 5, 5, 0)


def test_a_wrong_stated_total_with_every_page_intact_is_partial(tmp_path: Path) -> None:
    verdict = assess(both_countries(stated_total=7).stage(tmp_path), FINISHED)
    assert verdict.status == Status.PARTIAL
    assert verdict.message == "rows seen (5) differ from the stated total (7)"


def test_rows_quarantined_still_count_as_seen(tmp_path: Path) -> None:
    crawl = both_countries()
    crawl.pages[0].rows[0].valid_until = "2021/02/30"  # type: ignore[union-attr]
    verdict = assess(crawl.stage(tmp_path), FINISHED, max_rejected_share=0.2)
    assert verdict.status == Status.OK
    assert (verdict.figures.rows_seen, verdict.figures.rows_loaded, verdict.figures.rows_rejected) == (5, 4, 1)


def quarantined(rejected: int, of: int) -> Crawl:
    """One country of `of` rows, the first `rejected` of them with an impossible date."""
    rows = raw_rows(of)
    for row in rows[:rejected]:
        row.valid_until = "2021/02/30"
    return Crawl(of, [NORWAY], pages=[country_page(NORWAY, rows)])


@pytest.mark.parametrize(
    ("rejected", "of", "share", "status"),
    [
        (0, 20, 0.0, Status.OK),
        (1, 20, 0.0, Status.PARTIAL),
        (2, 20, 0.1, Status.OK),  # exactly the share: not more than it
        (3, 20, 0.1, Status.PARTIAL),
        (20, 20, 0.1, Status.PARTIAL),
        (20, 20, 1.0, Status.OK),
    ],
)
def test_more_rows_quarantined_than_the_share_is_partial(
    tmp_path: Path, rejected: int, of: int, share: float, status: Status
) -> None:
    verdict = assess(quarantined(rejected, of).stage(tmp_path), FINISHED, max_rejected_share=share)
    assert verdict.status == status, verdict.message
    assert (verdict.figures.rows_seen, verdict.figures.rows_rejected) == (of, rejected)


def test_the_share_message_names_the_share_and_the_setting(tmp_path: Path) -> None:
    verdict = assess(quarantined(3, 20).stage(tmp_path), FINISHED)  # the default share: 10%
    assert verdict.problems == ["3 of 20 rows (15%) were quarantined, more than ECEI_MAX_REJECTED_SHARE (10%) allows"]


def test_a_failed_later_page_leaves_its_country_incomplete(tmp_path: Path) -> None:
    crawl = both_countries()
    crawl.pages.append(failure(link("it-1", "Italy"), "HTTP 503"))
    verdict = assess(crawl.stage(tmp_path), FINISHED)
    assert verdict.status == Status.PARTIAL
    assert verdict.problems == [f"country Italy incomplete: HTTP 503 ({ITALY.url})"]
    assert verdict.figures.countries_loaded == 1


def test_a_linked_country_never_fetched_is_partial(tmp_path: Path) -> None:
    crawl = Crawl(2, [NORWAY, ITALY], pages=[country_page(NORWAY, raw_rows(2))])
    verdict = assess(crawl.stage(tmp_path), FINISHED)
    assert verdict.status == Status.PARTIAL
    assert verdict.problems == [f"country Italy incomplete: not fetched ({ITALY.url})"]


def test_an_overview_whose_counts_disagree_is_partial(tmp_path: Path) -> None:
    verdict = assess(both_countries(stated_total=None, stated_countries=3).stage(tmp_path), FINISHED)
    assert verdict.status == Status.PARTIAL
    assert verdict.problems == [
        "the overview states no total ('The list includes N clusters ...' is missing)",
        "the overview states 3 countries but links 2",
    ]


def test_a_crawl_stopped_by_its_time_limit_is_partial(tmp_path: Path) -> None:
    verdict = assess(both_countries().stage(tmp_path), {"finish_reason": "closespider_timeout"})
    assert (verdict.status, verdict.message) == (Status.PARTIAL, "the crawl stopped early: closespider_timeout")


def test_an_unreadable_overview_fails(tmp_path: Path) -> None:
    verdict = assess(Crawl(None, [], overview_failed="HTTP 500").stage(tmp_path), FINISHED)
    assert (verdict.status, verdict.message) == (Status.FAILED, "the overview page could not be read: HTTP 500")


def test_a_layout_change_fails_whatever_was_read(tmp_path: Path) -> None:
    summary = {"finish_reason": "layout_changed", "layout_error": "the cluster table lost its Name column"}
    verdict = assess(both_countries().stage(tmp_path), summary)
    assert (verdict.status, verdict.message) == (Status.FAILED, "the cluster table lost its Name column")
    assert verdict.figures.rows_seen == 5  # what was read is still counted


def test_a_crash_fails_and_says_why(tmp_path: Path) -> None:
    verdict = assess(both_countries().stage(tmp_path), None, crash="the crawl process exited with code 1: boom")
    assert (verdict.status, verdict.message) == (Status.FAILED, "the crawl process exited with code 1: boom")


def test_nothing_staged_fails(tmp_path: Path) -> None:
    verdict = assess(tmp_path / "never-written", None)
    assert verdict.status == Status.FAILED
    assert verdict.message == "the overview page could not be read: no answer"
