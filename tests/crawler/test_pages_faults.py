"""crawler.pages on pages that lie or break the parser: cut off, nested too deep, control characters."""

from __future__ import annotations

import pytest

from crawler.pages import PageUnreadable, parse_country, parse_overview

URL = "http://127.0.0.1:8765/benchmarked-clusters/?country=x"
HEAD = "<tr><th>Name</th><th>Comparative portfolio</th><th>www</th><th>Label valid until</th></tr>"
ROW = "<tr><td>{name}</td><td>Biotechnology</td><td>&nbsp;</td><td>2019/12/25</td></tr>"


def page(rows: str, after: str = "</table></body></html>") -> bytes:
    return f"<html><body><table>{HEAD}{rows}{after}".encode()


def test_a_whole_table_is_not_cut_off() -> None:
    table = parse_country(page(ROW.format(name="A") * 3), URL)
    assert table is not None and not table.cut_off and len(table.rows) == 3


@pytest.mark.parametrize("cut", [10, 40, 75, 90])
def test_a_body_cut_inside_the_table_is_flagged(cut: int) -> None:
    body = page(ROW.format(name="A") * 3)
    end = body.index(b"</table>")
    table = parse_country(body[: end - cut], URL)
    assert table is not None and table.cut_off


def test_table_tags_in_scripts_and_comments_do_not_count() -> None:
    body = page(ROW.format(name="A"), "</table><script>var t = '<table>';</script><!-- <table> --></body></html>")
    table = parse_country(body, URL)
    assert table is not None and not table.cut_off


def test_tags_nested_beyond_the_parser_limit_make_the_page_unreadable() -> None:
    deep = "<b>" * 5000
    with pytest.raises(PageUnreadable, match="could not be parsed to its end"):
        parse_country(page(ROW.format(name=deep + "A") + ROW.format(name="B")), URL)
    with pytest.raises(PageUnreadable):
        parse_overview(f"<html><body>{deep}The list includes 1 clusters from 1 countries</body></html>", URL)


def test_nesting_a_parser_would_stop_at_by_default_is_read_whole() -> None:
    table = parse_country(page(ROW.format(name="<b>" * 500 + "A") + ROW.format(name="B")), URL)
    assert table is not None and [r.name for r in table.rows] == ["A", "B"]


def test_control_characters_beside_scripts_and_line_breaks_do_not_crash() -> None:
    # lxml refuses to set a text holding a control character: joining a script's tail did
    name = "<script>x()</script>&#29;Arena<br>&#11;Eyde<template>t</template>&#1;"
    table = parse_country(page(ROW.format(name=name)), URL)
    assert table is not None and table.rows[0].name == "\x1dArena \x0bEyde\x01"


def test_an_unknown_charset_name_still_reads_the_whole_table() -> None:
    body = page(ROW.format(name="A") + ROW.format(name="B")).replace(b"<html>", b'<html><meta charset="latin-1">')
    table = parse_country(body, URL)
    assert table is not None and [r.name for r in table.rows] == ["A", "B"]
