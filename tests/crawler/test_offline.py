"""The spider driven over stored answers: the same items as a crawl, and failures as a crawl reports them."""

from __future__ import annotations

import json

from crawler.items import CountryPageItem, OverviewItem, PageFailure
from crawler.offline import StoredAnswer, crawl_stored
from ecei.demo.mirror import demo_site
from tests.conftest import NORWAY, expected_rows

BASE = "http://127.0.0.1:8765"
START = BASE + "/benchmarked-clusters"
SITE = demo_site("2021-09")
ROUTES = json.loads((SITE / "routes.json").read_text())


def stored(overrides: dict[str, StoredAnswer | None] | None = None):
    def answer(url: str) -> StoredAnswer | None:
        path = url.removeprefix(BASE)
        if overrides and path in overrides:
            return overrides[path]
        name = ROUTES.get(path)
        if name is None:
            return None
        return StoredAnswer(url, 200, "text/html; charset=utf-8", (SITE / name).read_bytes())

    return answer


NORWAY_PATH = "/benchmarked-clusters/?country=" + NORWAY


def test_all_pages_stored_give_the_overview_and_every_country() -> None:
    items, layout_error = crawl_stored(START, stored())
    assert layout_error is None
    assert isinstance(items[0], OverviewItem) and items[0].stated_total is not None
    countries = [i for i in items if isinstance(i, CountryPageItem)]
    assert sorted(c.country for c in countries) == ["Italy", "Norway", "Poland", "Spain"]
    assert sum(len(c.rows) for c in countries) == len(expected_rows("2021-09"))


def test_a_page_never_fetched_yields_nothing_unless_a_reason_is_given() -> None:
    items, _ = crawl_stored(START, stored({NORWAY_PATH: None}))
    assert not any(isinstance(i, PageFailure) for i in items)
    assert "Norway" not in {i.country for i in items if isinstance(i, CountryPageItem)}
    items, _ = crawl_stored(START, stored({NORWAY_PATH: None}), missing="not captured")
    failures = [i for i in items if isinstance(i, PageFailure)]
    assert [(f.country, f.reason) for f in failures] == [("Norway", "not captured")]


def test_an_error_status_or_a_download_error_is_a_failure_with_its_reason() -> None:
    answer = StoredAnswer(START + "/?country=" + NORWAY, 503, "text/plain", b"fault 503")
    items, _ = crawl_stored(START, stored({NORWAY_PATH: answer}))
    assert [(i.country, i.reason) for i in items if isinstance(i, PageFailure)] == [("Norway", "HTTP 503")]
    timeout = StoredAnswer(answer.url, None, None, None, "Getting it took longer than 5.0 seconds.")
    items, _ = crawl_stored(START, stored({NORWAY_PATH: timeout}))
    assert [i.reason for i in items if isinstance(i, PageFailure)] == [timeout.error]


def test_an_overview_that_failed_fails_the_run() -> None:
    items, _ = crawl_stored(START, stored({"/benchmarked-clusters": StoredAnswer(START, 500, None, b"")}))
    assert len(items) == 1 and isinstance(items[0], PageFailure) and items[0].country_id is None


def test_a_layout_change_stops_and_is_reported() -> None:
    body = (SITE / ROUTES[NORWAY_PATH]).read_bytes().replace(b"<th>Comparative portfolio</th>", b"<th>Portfolio</th>")
    changed = StoredAnswer(START + "/?country=" + NORWAY, 200, "text/html", body)
    _, layout_error = crawl_stored(START, stored({NORWAY_PATH: changed}))
    assert layout_error is not None and "'Portfolio'" in layout_error
