"""Offline parse tests on the mirror's stored pages: one small test per field."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings

from crawler import pages
from crawler.pages import CountryTable, LayoutChanged, PageUnreadable, parse_country, parse_overview
from ecei.demo.mirror import demo_site
from tests.conftest import ITALY, NORWAY
from tests.pipelines.hostile_pages import Page, country_page

BASE = "https://www.cluster-analysis.org/benchmarked-clusters"
SITE = demo_site("2018-10")
OVERVIEW = parse_overview((SITE / "overview.html").read_bytes(), BASE)
NORWAY_TABLE = parse_country((SITE / "country" / f"{NORWAY}.html").read_bytes(), f"{BASE}/?country={NORWAY}")
ITALY_TABLE = parse_country((SITE / "country" / f"{ITALY}.html").read_bytes(), f"{BASE}/?country={ITALY}")


def table_html(header: str, rows: str, before: str = "") -> bytes:
    return f"<html><body>{before}<table><tr>{header}</tr>{rows}</table></body></html>".encode()


HEADER = "<th>Name</th><th>Comparative portfolio</th><th>www</th><th>Label valid until</th>"


def test_stated_total() -> None:
    assert OVERVIEW.stated_total == 75


def test_stated_countries() -> None:
    assert OVERVIEW.stated_countries == 4


def test_country_names_come_from_link_text() -> None:
    assert [c.name for c in OVERVIEW.countries] == ["Italy", "Norway", "Poland", "Spain"]


def test_country_ids_dashed_and_undashed() -> None:
    ids = {c.name: c.country_id for c in OVERVIEW.countries}
    assert ids["Norway"] == NORWAY
    assert ids["Italy"] == ITALY


def test_country_urls_are_absolute_on_the_same_host() -> None:
    assert all(c.url.startswith(BASE + "/?country=") for c in OVERVIEW.countries)


def test_stated_total_with_thousands_separator() -> None:
    page = b"<p>The list includes 1,292 clusters from 48 countries</p>"
    assert parse_overview(page, BASE).stated_total == 1292


def test_overview_without_statement() -> None:
    overview = parse_overview(b"<p>nothing here</p>", BASE)
    assert (overview.stated_total, overview.countries) == (None, [])


def test_links_to_other_hosts_are_not_followed() -> None:
    page = b'<a href="https://evil.example/benchmarked-clusters/?country=abc">X</a><a href="?country=def">Y</a>'
    overview = parse_overview(page, BASE)
    assert [c.country_id for c in overview.countries] == ["def"]
    assert overview.offsite_links == 1


def test_row_count() -> None:
    assert NORWAY_TABLE is not None and len(NORWAY_TABLE.rows) == 46


def test_headers() -> None:
    assert NORWAY_TABLE is not None
    assert NORWAY_TABLE.headers == ["Name", "Comparative portfolio", "www", "Label valid until"]


def test_name() -> None:
    assert ITALY_TABLE is not None
    assert ITALY_TABLE.rows[0].name == "ASDI - Parco Agro-Alimentare di San Daniele"


def test_portfolio() -> None:
    assert ITALY_TABLE is not None
    assert ITALY_TABLE.rows[0].portfolio == "Food industry"


def test_www_href() -> None:
    assert ITALY_TABLE is not None
    assert ITALY_TABLE.rows[0].www_href == "http://www.asdi-parco-agro-alimentare-di-san-daniel.example/"


def test_www_empty_cell() -> None:
    assert ITALY_TABLE is not None
    assert ITALY_TABLE.rows[1].www_href is None
    assert ITALY_TABLE.rows[1].www is not None and ITALY_TABLE.rows[1].www.strip() == ""


def test_valid_until_raw_text() -> None:
    assert ITALY_TABLE is not None
    assert ITALY_TABLE.rows[0].valid_until == "2016/07/24"


def test_row_numbers() -> None:
    assert ITALY_TABLE is not None
    assert [r.row_number for r in ITALY_TABLE.rows] == list(range(1, len(ITALY_TABLE.rows) + 1))


def test_empty_name_row_is_kept_raw() -> None:
    assert ITALY_TABLE is not None
    assert ITALY_TABLE.rows[3].name == ""
    assert ITALY_TABLE.rows[3].portfolio == "Food industry"


def test_columns_mapped_by_header_name_not_position() -> None:
    header = "<th>Label valid until</th><th>www</th><th>Name</th><th>Comparative portfolio</th>"
    row = '<tr><td>2020/01/02</td><td><a href="http://a.example/">w</a></td><td>Alpha</td><td>ICT</td></tr>'
    table = parse_country(table_html(header, row), BASE)
    assert table is not None
    r = table.rows[0]
    assert (r.name, r.portfolio, r.www_href, r.valid_until) == ("Alpha", "ICT", "http://a.example/", "2020/01/02")


@pytest.mark.parametrize(
    "header",
    [
        "<th>Cluster</th><th>Comparative portfolio</th><th>www</th><th>Label valid until</th>",
        "<th>Name</th><th>Comparative portfolio</th><th>Label valid until</th>",
        HEADER + "<th>Country</th>",
    ],
    ids=["renamed", "missing", "extra"],
)
def test_changed_header_is_a_layout_change(header: str) -> None:
    with pytest.raises(LayoutChanged) as info:
        parse_country(table_html(header, ""), BASE + "/?country=x")
    assert "?country=x" in str(info.value)
    assert info.value.headers[0] in str(info.value)


def test_header_text_variations_are_the_same_header() -> None:
    header = "<th> NAME </th><th>Comparative&nbsp;portfolio</th><th><b>www</b></th><th>Label valid\n until</th>"
    table = parse_country(table_html(header, "<tr><td>A</td><td>B</td><td></td><td>2020/01/01</td></tr>"), BASE)
    assert table is not None and table.rows[0].name == "A"


def test_page_without_table() -> None:
    assert parse_country(b"<html><body><p>Maintenance</p></body></html>", BASE) is None


def test_empty_body() -> None:
    assert parse_country(b"", BASE) is None


def test_other_tables_are_ignored() -> None:
    layout = "<table><tr><td>menu</td><td>links</td></tr></table>"
    table = parse_country(table_html(HEADER, "<tr><td>A</td><td>B</td><td></td><td>2020/01/01</td></tr>", layout), BASE)
    assert table is not None and [r.name for r in table.rows] == ["A"]


def test_nested_table_rows_stay_in_their_cell() -> None:
    nested = "<table><tr><td>inner</td></tr></table>"
    rows = f"<tr><td>A{nested}</td><td>B</td><td></td><td>2020/01/01</td></tr>"
    table = parse_country(table_html(HEADER, rows), BASE)
    assert table is not None and len(table.rows) == 1


def test_cell_markup_entities_and_script() -> None:
    rows = "<tr><td><b>A&amp;B</b><script>alert(1)</script><br>Cluster</td><td>B</td><td></td><td>2020/01/01</td></tr>"
    table = parse_country(table_html(HEADER, rows), BASE)
    assert table is not None and table.rows[0].name == "A&B Cluster"


def test_missing_and_extra_cells() -> None:
    rows = "<tr><td>A</td><td>B</td></tr><tr><td>C</td><td>D</td><td></td><td>2020/01/01</td><td>x</td></tr>"
    table = parse_country(table_html(HEADER, rows), BASE)
    assert table is not None
    assert table.rows[0].valid_until is None
    assert table.rows[1].extra_cells == ["x"]


def test_country_linked_twice_dashed_and_undashed_is_one_country() -> None:
    page = (
        b'<a href="?country=9e0e2d07-b7a9-47ae-a816-cf7692205403">Norway</a>'
        b'<a href="?country=9E0E2D07B7A947AEA816CF7692205403">Norway</a>'
    )
    assert len(parse_overview(page, BASE).countries) == 1


def test_more_pages_of_a_paginated_list() -> None:
    url = BASE + "/?country=abc"
    pager = (
        '<a href="?country=abc&page=1">1</a> <a href="?country=abc&amp;page=2">2</a> '
        '<a href="?country=xyz&page=2">other country</a> <a href="/benchmarked-clusters">back</a>'
    )
    table = parse_country(table_html(HEADER, "", pager), url)
    assert table is not None and table.more_pages == [BASE + "/?country=abc&page=2"]


def test_encoding_from_http_header_wins() -> None:
    # no meta charset in the page: only the HTTP header says latin-1
    body = table_html(HEADER, "<tr><td>Møre Cluster</td><td>B</td><td></td><td>2020/01/01</td></tr>")
    table = parse_country(body.decode().encode("latin-1"), BASE, encoding="cp1252")
    assert table is not None and table.rows[0].name == "Møre Cluster"


ROW_MORE = "<tr><td>Møre Cluster</td><td>B</td><td></td><td>2020/01/01</td></tr>"


@pytest.mark.parametrize(
    ("body", "charset"),
    [
        # a byte order mark first: it wins over the header and the page
        ("\ufeff".encode() + table_html(HEADER, ROW_MORE), "windows-1252"),
        (("\ufeff" + table_html(HEADER, ROW_MORE).decode()).encode("utf-16-be"), None),
        # then the header's charset; `utf-16` without a BOM is little-endian, as browsers read it
        (table_html(HEADER, ROW_MORE).decode().encode("utf-16-le"), "utf-16"),
        (table_html(HEADER, ROW_MORE).decode().encode("utf-16-be"), "utf-16be"),
        # then the page's own declaration (then detection: charset_normalizer's guess, as Scrapy's)
        (table_html(HEADER, ROW_MORE, '<meta charset="windows-1252">').decode().encode("cp1252"), None),
        (table_html(HEADER, ROW_MORE, '<meta charset="windows-1252">').decode().encode("cp1252"), "bogus"),
    ],
    ids=["utf-8 BOM over the header", "utf-16be BOM", "utf-16 label", "utf-16be label", "meta", "unknown label"],
)
def test_a_page_is_decoded_as_a_browser_decodes_it(body: bytes, charset: str | None) -> None:
    table = parse_country(body, BASE, encoding=charset)
    assert table is not None and [r.name for r in table.rows] == ["Møre Cluster"] and not table.cut_off


def test_bytes_its_encoding_cannot_read_are_replacement_characters() -> None:
    body = table_html(HEADER, ROW_MORE).decode().encode("cp1252")
    table = parse_country(body, BASE, encoding="utf-8")
    assert table is not None and table.rows[0].name == "M\ufffdre Cluster"


def test_a_utf16_page_cut_off_inside_its_table_is_seen_cut_off() -> None:
    body = table_html(HEADER, ROW_MORE * 3).decode()
    table = parse_country(body[: body.rindex("</table>")].encode("utf-16"), BASE)
    assert table is not None and table.cut_off


def test_utf8_without_meta_charset_when_told() -> None:
    body = table_html(HEADER, "<tr><td>Łódź ICT</td><td>B</td><td></td><td>2020/01/01</td></tr>")
    table = parse_country(body, BASE, encoding="utf-8")
    assert table is not None and table.rows[0].name == "Łódź ICT"


def test_caption_row_before_the_header() -> None:
    caption = '<td colspan="4">Benchmarked clusters</td></tr><tr>' + HEADER
    table = parse_country(table_html(caption, "<tr><td>A</td><td>B</td><td></td><td>2020/01/01</td></tr>"), BASE)
    assert table is not None and [r.name for r in table.rows] == ["A"] and table.rows[0].row_number == 1


def test_bare_and_www_host_are_the_same_site() -> None:
    page = (
        b'<a href="https://cluster-analysis.org/benchmarked-clusters/?country=a">A</a>'
        b'<a href="http://www.cluster-analysis.org/benchmarked-clusters/?country=b">B</a>'
        b'<a href="https://shop.cluster-analysis.org/?country=c">C</a>'
    )
    overview = parse_overview(page, BASE)
    assert [c.country_id for c in overview.countries] == ["a", "b"]
    assert overview.offsite_links == 1


# --- the table read as text by libxslt, against the same table read element by element -----------


def by_element(html: bytes, url: str = BASE) -> object:
    with patch.object(pages, "_rows_as_text", return_value=None):
        return outcome(html, url)


def outcome(html: bytes, url: str = BASE) -> object:
    try:
        return parse_country(html, url)
    except (LayoutChanged, PageUnreadable) as exc:
        return repr(exc)


def test_demo_pages_read_the_same_both_ways() -> None:
    for page in sorted((SITE / "country").glob("*.html")):
        table = outcome(page.read_bytes())
        assert isinstance(table, CountryTable) and table.rows
        assert table == by_element(page.read_bytes())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(country_page())
def test_hostile_pages_read_the_same_both_ways(page: Page) -> None:
    assert outcome(page.body) == by_element(page.body)


def test_separator_characters_in_a_cell_or_link_are_read_element_by_element() -> None:
    rows = (
        '<tr><td>A&#xE000;B&#xE002;</td><td>P&#xE001;</td><td><a href="http://x.example/&#xE001;&#xE002;">w</a></td>'
        "<td>2020/01/01</td></tr><tr><td>C</td><td>D</td><td></td><td>2021/01/01</td></tr>"
    )
    html = table_html(HEADER, rows)
    doc = pages._document(html, BASE)
    assert doc is not None and pages._rows_as_text(doc, 1, 1, ["name", "portfolio", "www", "valid_until"]) is None
    table = parse_country(html, BASE)
    assert table is not None and [r.row_number for r in table.rows] == [1, 2]
    first = table.rows[0]
    assert (first.name, first.portfolio, first.www_href) == (
        "A\ue000B\ue002",
        "P\ue001",
        "http://x.example/\ue001\ue002",
    )


def test_empty_link_and_cells_after_the_header_width() -> None:
    rows = '<tr><td>A</td><td>B</td><td><a name="top">x</a><a href="">y</a></td><td>2020/01/01</td><td>e</td></tr>'
    table = parse_country(table_html(HEADER, rows), BASE)
    assert table is not None
    assert (table.rows[0].www, table.rows[0].www_href, table.rows[0].extra_cells) == ("xy", "", ["e"])
    assert table == by_element(table_html(HEADER, rows))
