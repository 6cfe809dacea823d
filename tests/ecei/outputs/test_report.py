"""The HTML report: its figures against SQL, its escaping, and the page in a real headless chromium."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector

from ecei.demo.mirror import Fault, demo_site, serve
from ecei.moments import UnknownRun, parse_when
from ecei.outputs.report import collect, months_from, render, write_report
from ecei.refresh.run import refresh
from ecei.settings import Settings
from tests.browser import BrowserUnavailable, chromium, console_errors, full_page_png, requested_urls
from tests.conftest import COUNTRY_PATH, NORWAY, query
from warehouse.db import open_when_free

TODAY = dt.date(2016, 6, 15)  # the day of the first snapshot: labels valid, lapsing and lapsed alike
ARTIFACT = Path(__file__).resolve().parents[2] / "artifacts" / "report.png"
EVIL_NAME = "<script>alert(1)</script>"
EVIL_PORTFOLIO = "</script><script>alert(2)</script>"
# the first browser test may install chromium with apt-get on a fresh machine (CI): allow for it
BROWSER_TIMEOUT = pytest.mark.timeout(1200)


def headline_by_sql(db: Path, today: dt.date) -> dict[str, int]:
    """The headline figures, written independently of warehouse/report/headline.sql."""
    (listed, valid, lapsing, lapsed, countries) = query(
        db,
        "select count(*), count(*) filter (valid_until >= $1), "
        "count(*) filter (valid_until between $1 and $1 + 89), count(*) filter (valid_until < $1), "
        "count(distinct country) from clusters_current",
        [today],
    )[0]
    return {
        "clusters_listed": listed,
        "labels_valid": valid,
        "lapsing_90_days": lapsing,
        "labels_lapsed": lapsed,
        "countries": countries,
    }


@pytest.fixture(scope="module")
def report_file(history_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    write_report(history_db, out, TODAY, busy_timeout=5)
    return out


@pytest.fixture(scope="module")
def evil_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse where one cluster is named like a script tag and one portfolio closes a script."""
    db = tmp_path_factory.mktemp("evil") / "ecei.duckdb"

    def rewrite(body: bytes) -> bytes:
        body = body.replace(b"<td>Arena Legasea</td>", b"<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>")
        return body.replace(b"<td>Biotechnology</td>", b"<td>&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;</td>")

    with serve(demo_site("2021-09"), faults={COUNTRY_PATH + NORWAY: Fault(rewrite=rewrite)}) as m:
        result = refresh(Settings(start_url=m.start_url, db=db, polite=False, retry_times=1, download_timeout=5))
    assert result.status == "ok", result.message
    assert query(db, "select count(*) from clusters_current where name = $1", [EVIL_NAME]) == [(1,)]
    return db


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        with chromium() as driver:
            yield driver
    except BrowserUnavailable as exc:
        pytest.fail(f"no headless browser for the report tests: {exc}")


def open_page(driver: Any, path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, 60).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#chart-lapsed svg.main-svg")) > 0)


def visible_bars(driver: Any, chart: str) -> int:
    # a bar plotly draws for a zero count has no height: count only those a reader can see
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' g.point path'))"
        ".filter(p => p.getBBox().height > 0.5).length;",
        f"#{chart}",
    )


# --- without a browser ----------------------------------------------------------------------------


def test_headline_figures_match_sql(history_db: Path) -> None:
    con = open_when_free(history_db, 5, read_only=True)
    try:
        data = collect(con, TODAY)
    finally:
        con.close()
    assert data.headline == headline_by_sql(history_db, TODAY)
    assert data.headline["labels_valid"] + data.headline["labels_lapsed"] == data.headline["clusters_listed"]
    assert 0 < data.headline["lapsing_90_days"] < data.headline["labels_valid"]
    statuses = [c["status"] for c in data.clusters]
    assert statuses.count("lapsed") == data.headline["labels_lapsed"]
    assert statuses.count("lapsing") == data.headline["lapsing_90_days"]


def test_change_summary_adds_up_to_the_runs(history_db: Path) -> None:
    con = open_when_free(history_db, 5, read_only=True)
    try:
        data = collect(con, TODAY)
    finally:
        con.close()
    runs = {r[0]: r[1:] for r in query(history_db, "select run_id, added, changed, removed, renamed from crawl_runs")}
    renewed = dict(query(history_db, "select run_id, count(*) filter (where renewed) from cluster_changes group by 1"))
    assert len(data.change_summary) == len(runs) == 3
    for s in data.change_summary:
        # the kinds are the run's figures; a renewal (a label date moved later, a renamed cluster's too)
        # is counted apart, as cluster_changes.renewed says
        assert (s["added"], s["changed"], s["removed"], s["renamed"]) == runs[s["run_id"]]
        assert s["renewed"] == renewed.get(s["run_id"], 0)
    assert sum(s["renewed"] for s in data.change_summary) > 0
    assert sum(s["renamed"] for s in data.change_summary) == 1  # the mirror's one rename


def test_run_health_shows_every_run_figure_with_the_renames(history_db: Path) -> None:
    con = open_when_free(history_db, 5, read_only=True)
    try:
        data = collect(con, TODAY)
    finally:
        con.close()
    renamed = dict(query(history_db, "select run_id, renamed from crawl_runs"))
    assert {r["run_id"]: r["renamed"] for r in data.runs} == renamed and sum(renamed.values()) == 1
    html = render(data)
    table = html[html.index('<table id="runs-table">') : html.index("</table>", html.index('id="runs-table"'))]
    assert '<th class="num">Added / changed / removed / renamed</th>' in table
    for r in data.runs:
        row = table[table.index(f'<tr data-run-id="{r["run_id"]}">') :]
        cell = row[row.index('data-run-figure="added changed removed renamed">') :]
        counts = f"{r['added']} / {r['changed']} / {r['removed']} / {r['renamed']}"
        assert cell.split(">", 1)[1].startswith(counts + "</td>")


def test_the_lapsing_horizon_is_a_parameter(history_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = open_when_free(history_db, 5, read_only=True)
    try:
        wide = collect(con, TODAY)
        monkeypatch.setattr("ecei.outputs.report.LAPSING_DAYS", 30)
        narrow = collect(con, TODAY)
    finally:
        con.close()
    (within_30,) = query(
        history_db, "select count(*) from clusters_current where valid_until between $1 and $1 + 29", [TODAY]
    )[0]
    assert narrow.headline["lapsing_90_days"] == within_30 < wide.headline["lapsing_90_days"]
    assert [c["status"] for c in narrow.clusters].count("lapsing") == within_30
    assert "of them lapsing in 30 days" in render(narrow)


def test_expiry_chart_covers_24_months_stacked_by_portfolio(history_db: Path) -> None:
    con = open_when_free(history_db, 5, read_only=True)
    try:
        data = collect(con, TODAY)
    finally:
        con.close()
    figure = data.figures["expiry"]
    assert figure["layout"]["barmode"] == "stack"
    months = months_from(TODAY)
    assert months[0] == "2016-06" and months[-1] == "2018-05" and len(months) == 24
    names = [trace["name"] for trace in figure["data"]]
    (portfolios,) = query(
        history_db,
        "select count(distinct portfolio) from clusters_current where valid_until >= $1 and valid_until < '2018-06-01'",
        [TODAY],
    )[0]
    assert len(names) == portfolios
    total = sum(sum(trace["y"]) for trace in figure["data"])
    (expected,) = query(
        history_db,
        "select count(*) from clusters_current where valid_until >= $1 and valid_until < '2018-06-01'",
        [TODAY],
    )[0]
    assert total == expected


def test_months_roll_over_the_year() -> None:
    assert months_from(dt.date(2025, 11, 30), 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_every_name_is_escaped_in_the_html(evil_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(evil_db, out, TODAY, busy_timeout=5)
    html = out.read_text(encoding="utf-8")
    assert EVIL_NAME not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert EVIL_PORTFOLIO not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html  # in the table
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(2)" in html  # in the chart's JSON


def test_report_of_an_empty_warehouse(tmp_path: Path) -> None:
    from warehouse.db import connect

    db = tmp_path / "empty.duckdb"
    connect(db).close()
    con = open_when_free(db, 5, read_only=True)
    try:
        html = render(collect(con, TODAY))
    finally:
        con.close()
    assert "No refresh has run yet." in html
    assert "no listed label lapses" in html


# --- the demo at its own dates: the list as it stood, judged on a day -------------------------------

DEMO_TODAY = dt.date(2021, 10, 1)  # the demo's business day (the manual)
END_OF_2018 = dt.datetime(2018, 12, 31, 23, 59, 59, 999999)  # --as-of 2018-12-31: the end of the day


def page(path: Path) -> Selector:
    return Selector(text=path.read_text(encoding="utf-8"))


def shown_figures(html: Selector) -> dict[str, int]:
    return {el.attrib["data-figure"]: int(el.css(".value::text").get()) for el in html.css("[data-figure]")}


def chart(html: Selector, name: str) -> dict[str, Any]:
    return json.loads(html.css(f'script[data-chart="chart-{name}"]::text').get())


def run_ids(html: Selector, table: str) -> list[int]:
    return [int(i) for i in html.css(f"#{table} tbody tr::attr(data-run-id)").getall()]


def headline_as_of(db: Path, at: dt.datetime, today: dt.date) -> dict[str, int]:
    """The headline figures of the list at `at`, written independently of warehouse/report/headline.sql."""
    (listed, valid, lapsing, lapsed, countries) = query(
        db,
        "select count(*), count(*) filter (valid_until >= $2), count(*) filter (valid_until between $2 and $2 + 89), "
        "count(*) filter (valid_until < $2), count(distinct country) from clusters_as_of($1)",
        [at, today],
    )[0]
    return {
        "clusters_listed": listed,
        "labels_valid": valid,
        "lapsing_90_days": lapsing,
        "labels_lapsed": lapsed,
        "countries": countries,
    }


def test_the_demo_judged_on_its_business_day_has_valid_labels_and_a_lapsing_chart(dated_db: Path, tmp_path: Path):
    out = tmp_path / "report.html"
    data = write_report(dated_db, out, DEMO_TODAY, busy_timeout=5)
    assert (data.today, data.as_of, data.observed["run_id"]) == (DEMO_TODAY, None, 3)
    html = page(out)
    figures = shown_figures(html)
    latest = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert figures == headline_as_of(dated_db, latest, DEMO_TODAY) and figures["labels_valid"] > 0
    (lapsing,) = query(
        dated_db,
        "select count(*) from clusters_current where valid_until >= $1 and valid_until < '2023-10-01'",
        [DEMO_TODAY],
    )[0]
    assert sum(sum(trace["y"]) for trace in chart(html, "expiry")["data"]) == lapsing > 0
    assert html.css("#as-of").get() is None and html.css("#judged-on::text").get() == "2021-10-01"
    assert run_ids(html, "runs-table") == [3, 2, 1]


def test_as_of_shows_every_figure_from_the_list_as_it_stood(dated_db: Path, tmp_path: Path):
    then, now = tmp_path / "then.html", tmp_path / "now.html"
    data = write_report(dated_db, then, None, busy_timeout=5, as_of=parse_when("2018-12-31"))
    write_report(dated_db, now, dt.date(2018, 12, 31), busy_timeout=5)
    # without --today the list is judged on the day of --as-of
    assert (data.as_of, data.today, data.observed["run_id"]) == (END_OF_2018, dt.date(2018, 12, 31), 2)
    old, new = page(then), page(now)
    assert old.css("#as-of::text").get() == "2018-12-31T23:59:59Z"
    assert old.css("#observed-run::text").get() == "2" and new.css("#observed-run::text").get() == "3"
    assert old.css("#judged-on::text").get() == new.css("#judged-on::text").get() == "2018-12-31"
    assert "as of 2018-12-31T23:59:59Z" in old.css("title::text").get()

    # the headline and the clusters table: the 2018 list, not the latest one judged on the same day
    assert shown_figures(old) == headline_as_of(dated_db, END_OF_2018, dt.date(2018, 12, 31))
    assert shown_figures(old)["clusters_listed"] != shown_figures(new)["clusters_listed"]
    listed_then = {r[0] for r in query(dated_db, "select cluster_id from clusters_as_of($1)", [END_OF_2018])}
    assert set(old.css("#clusters-table tbody tr::attr(data-cluster-id)").getall()) == listed_then
    assert set(new.css("#clusters-table tbody tr::attr(data-cluster-id)").getall()) != listed_then
    assert "IKT Grenland" in old.css("#clusters-table td.name::text").getall()  # delisted in 2021
    assert "IKT Grenland" not in new.css("#clusters-table td.name::text").getall()

    # the charts: the 2018 list's lapses per year, which the latest list no longer holds
    lapsed_then = dict(
        query(
            dated_db,
            "select year(valid_until)::varchar, count(*) from clusters_as_of($1) where valid_until < '2018-12-31' "
            "group by all",
            [END_OF_2018],
        )
    )
    (old_lapsed,), (new_lapsed,) = chart(old, "lapsed")["data"], chart(new, "lapsed")["data"]
    assert {x: y for x, y in zip(old_lapsed["x"], old_lapsed["y"], strict=True) if y} == lapsed_then
    assert old_lapsed["y"] != new_lapsed["y"]
    (expiring,) = query(
        dated_db,
        "select count(*) from clusters_as_of($1) where valid_until >= '2018-12-31' and valid_until < '2020-12-01'",
        [END_OF_2018],
    )[0]
    assert sum(sum(trace["y"]) for trace in chart(old, "expiry")["data"]) == expiring

    # the changes and the runs: up to 2018-12-31, so run 3 (2021) is in none of them
    assert run_ids(old, "runs-table") == run_ids(old, "change-summary") == [2, 1]
    assert run_ids(new, "runs-table") == [3, 2, 1]
    changes = [int(r) for r in old.css("#changes-table tbody tr td:first-child::text").getall()]
    assert (
        sorted(set(changes)) == [1, 2]
        and len(changes) == query(dated_db, "select count(*) from cluster_changes where run_id <= 2")[0][0]
    )
    quarantined = query(dated_db, "select page_url from rejected_rows where run_id = 2")
    assert old.css("#quarantine-table code::text").getall()[0::2] == [r[0] for r in quarantined]


def test_as_of_a_run_is_the_list_right_after_it(dated_db: Path, tmp_path: Path):
    data = write_report(dated_db, tmp_path / "r.html", None, busy_timeout=5, as_of=parse_when("run:1"))
    (started, loaded) = query(dated_db, "select started_at, rows_loaded from crawl_runs where run_id = 1")[0]
    assert (data.as_of, data.today, data.observed["run_id"]) == (started, started.date(), 1)
    assert data.headline["clusters_listed"] == loaded
    assert [r["run_id"] for r in data.runs] == [1]


def test_today_judges_the_as_of_list_on_another_day(dated_db: Path, tmp_path: Path):
    day = dt.date(2016, 6, 15)
    data = write_report(dated_db, tmp_path / "r.html", day, busy_timeout=5, as_of=parse_when("2018-12-31"))
    assert data.headline == headline_as_of(dated_db, END_OF_2018, day)
    assert data.headline["labels_valid"] > headline_as_of(dated_db, END_OF_2018, END_OF_2018.date())["labels_valid"]


def test_as_of_before_the_first_run_is_an_empty_list(dated_db: Path, tmp_path: Path):
    out = tmp_path / "r.html"
    data = write_report(dated_db, out, None, busy_timeout=5, as_of=parse_when("2015-01-01"))
    assert data.observed is None and data.headline["clusters_listed"] == 0 and data.runs == []
    text = " ".join(" ".join(page(out).css("header ::text").getall()).split())
    assert "(no refresh had observed the list by then)" in text and "No refresh had run by then." in text


def test_an_unknown_run_is_refused_and_writes_nothing(dated_db: Path, tmp_path: Path):
    out = tmp_path / "r.html"
    with pytest.raises(UnknownRun, match="no run 9: runs are 1 to 3"):
        write_report(dated_db, out, None, busy_timeout=5, as_of=parse_when("run:9"))
    assert not out.exists()


# --- in chromium ----------------------------------------------------------------------------------


@BROWSER_TIMEOUT
def test_report_in_a_headless_browser(browser: Any, report_file: Path, history_db: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    open_page(browser, report_file)
    assert console_errors(browser) == []
    # offline: the page asked for nothing over the network (file:// and data: only)
    remote = [u for u in requested_urls(browser) if u.split(":", 1)[0] in ("http", "https", "ws", "wss")]
    assert remote == []

    shown = {
        el.get_attribute("data-figure"): int(el.find_element(By.CSS_SELECTOR, ".value").text)
        for el in browser.find_elements(By.CSS_SELECTOR, "[data-figure]")
    }
    assert shown == headline_by_sql(history_db, TODAY)

    # the charts rendered: one visible bar per (month, portfolio) and per year that has labels
    (cells,) = query(
        history_db,
        "select count(distinct (strftime(valid_until, '%Y-%m'), portfolio)) from clusters_current "
        "where valid_until >= $1 and valid_until < '2018-06-01'",
        [TODAY],
    )[0]
    assert visible_bars(browser, "chart-expiry") == cells > 0
    (years,) = query(
        history_db, "select count(distinct year(valid_until)) from clusters_current where valid_until < $1", [TODAY]
    )[0]
    assert visible_bars(browser, "chart-lapsed") == years > 0
    legend = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#chart-expiry g.legend text.legendtext")]
    assert "Food industry" in legend

    rows = browser.find_elements(By.CSS_SELECTOR, "#clusters-table tbody tr")
    assert len(rows) == shown["clusters_listed"]
    statuses = [r.find_element(By.CSS_SELECTOR, ".status").text for r in rows]
    assert statuses.count("lapsing") == shown["lapsing_90_days"]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#runs-table tbody tr")) == 3
    (rejected,) = query(history_db, "select count(*) from rejected_rows where run_id = 3")[0]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#quarantine-table tbody tr")) == rejected == 1

    png = full_page_png(browser)
    assert png.startswith(b"\x89PNG")
    shot = tmp_path / "report.png"
    shot.write_bytes(png)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ARTIFACT)
    assert ARTIFACT.stat().st_size > 50_000


@BROWSER_TIMEOUT
def test_clusters_table_sorts_and_filters(browser: Any, report_file: Path) -> None:
    from selenium.webdriver.common.by import By

    open_page(browser, report_file)

    def days_left() -> list[int]:
        cells = browser.find_elements(By.CSS_SELECTOR, "#clusters-table tbody tr td:nth-child(6)")
        return [int(c.text) for c in cells]

    header = browser.find_element(By.XPATH, "//table[@id='clusters-table']//th[.//button[text()='Days left']]")
    header.find_element(By.TAG_NAME, "button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    ascending = days_left()
    assert ascending == sorted(ascending) and ascending[0] < 0 < ascending[-1]
    header.find_element(By.TAG_NAME, "button").click()
    assert days_left() == sorted(ascending, reverse=True)

    search = browser.find_element(By.CSS_SELECTOR, "input[data-filters='clusters-table']")
    search.send_keys("norway lapsing")
    visible = [r for r in browser.find_elements(By.CSS_SELECTOR, "#clusters-table tbody tr") if r.is_displayed()]
    assert visible and all("Norway" in r.text and "lapsing" in r.text for r in visible)
    assert browser.find_element(By.ID, "clusters-shown").text == str(len(visible))
    assert console_errors(browser) == []


@BROWSER_TIMEOUT
def test_a_script_tag_as_a_name_is_shown_not_run(browser: Any, evil_db: Path, tmp_path: Path) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    out = tmp_path / "evil.html"
    write_report(evil_db, out, TODAY, busy_timeout=5)
    open_page(browser, out)
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    names = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#clusters-table td.name")]
    assert EVIL_NAME in names
    portfolios = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#clusters-table tbody td:nth-child(3)")]
    assert EVIL_PORTFOLIO in portfolios
    # the page's own scripts still ran: the charts are there, the portfolio shown as text in the legend
    assert visible_bars(browser, "chart-lapsed") > 0
    legend = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#chart-expiry g.legend text.legendtext")]
    assert EVIL_PORTFOLIO in legend
    assert console_errors(browser) == []


# every table, code block and chart of a section, measured by the page itself: what reaches past the
# section's right edge, or scrolls sideways inside itself
OVERFLOWING = """
const found = [];
for (const section of document.querySelectorAll('section')) {
  const edge = section.getBoundingClientRect().right;
  for (const el of section.querySelectorAll('table, pre, code, .chart')) {
    const box = el.getBoundingClientRect();
    if (box.right > edge + 0.5 || el.scrollWidth > el.clientWidth + 1) {
      found.push(`${section.id} ${el.tagName.toLowerCase()}#${el.id}: right ${box.right} > ${edge}`);
    }
  }
}
if (document.documentElement.scrollWidth > window.innerWidth) {
  found.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
}
return found;
"""


@BROWSER_TIMEOUT
def test_every_table_fits_its_card_at_1280_px(browser: Any, dated_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(dated_db, out, dt.date(2021, 9, 15), busy_timeout=5)  # three runs, every kind of change
    open_page(browser, out)
    assert browser.execute_script("return window.innerWidth") == 1280
    assert browser.execute_script(OVERFLOWING) == []


def test_no_path_of_the_machine_reaches_the_page(dated_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "where" / "the" / "warehouse" / "lives.duckdb"
    db.parent.mkdir(parents=True)
    shutil.copy(dated_db, db)
    out = tmp_path / "report.html"
    write_report(db, out, dt.date(2021, 9, 15), busy_timeout=5)
    html = out.read_text(encoding="utf-8")
    assert str(tmp_path) not in html and "/where/the/" not in html
    assert "from lives.duckdb." in page(out).css("footer::text").get()


def test_stale_data_is_announced_at_the_top(dated_db: Path, tmp_path: Path) -> None:
    # the demo's last complete refresh started 2021-09-15; ECEI_STALE_DAYS' default is 3
    fresh, stale = tmp_path / "fresh.html", tmp_path / "stale.html"
    write_report(dated_db, fresh, dt.date(2021, 9, 17), busy_timeout=5)
    write_report(dated_db, stale, dt.date(2021, 9, 18), busy_timeout=5)
    assert page(fresh).css("#stale").get() is None
    banner = page(stale).css("header #stale")
    assert (
        "no complete refresh for 3 days (the last, run 3, started 2021-09-15T09:00:00Z)"
        in banner.xpath("string()").get()
    )
    # a look at the past shows the list as it stood then: no banner for the data being old now
    past = tmp_path / "past.html"
    write_report(dated_db, past, None, busy_timeout=5, as_of=parse_when("2018-10-15"))
    assert page(past).css("#stale").get() is None
