"""crawler.pages on pages that lie or break the parser: cut off, nested too deep, control characters."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def test_a_comment_left_open_inside_the_table_hides_its_end_as_from_the_parser() -> None:
    # lxml reads an unclosed comment to the end of the page: the rows after it are lost
    body = page(ROW.format(name="A") + "<!-- a note" + ROW.format(name="B"))
    table = parse_country(body, URL)
    assert table is not None and table.cut_off and [r.name for r in table.rows] == ["A"]


@pytest.mark.parametrize("opener", ["<!--", "<script>", "<style>", "<!-- --", "<script>var s = '</scrip"])
def test_fifty_thousand_unclosed_openers_are_read_in_one_pass(opener: str) -> None:
    # each unclosed `<!--` made the old check search the rest of the page again: minutes for this page
    body = page(ROW.format(name="A"), opener * 50_000 + "</table></body></html>")
    began = time.monotonic()
    table = parse_country(body, URL)
    assert time.monotonic() - began < 10  # a sanity bound: one pass takes milliseconds
    assert table is not None and table.cut_off


# fragments that neither join into another tag nor split one, so the page's meaning is the sequence's
_FRAGMENTS = ["<table>", "</table>", "<!--", "-->", "<script>", "</script>", "<style>", "</style >", "x", " "]
_ENDS = {"<!--": "-->", "<script>": "</script>", "<style>": "</style >"}


def _cut_off_by_hand(fragments: list[str]) -> bool:
    """The table tags outside comments, scripts and styles, as a parser meets them one by one."""
    opened = closed = 0
    hidden_until: str | None = None
    for fragment in fragments:
        if hidden_until is not None:
            hidden_until = None if fragment == hidden_until else hidden_until
        elif fragment in _ENDS:
            hidden_until = _ENDS[fragment]
        else:
            opened += fragment == "<table>"
            closed += fragment == "</table>"
    return closed < opened


@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=40))
def test_cut_off_counts_the_table_tags_a_parser_sees(fragments: list[str]) -> None:
    head = f"<html><body><table>{HEAD}{ROW.format(name='A')}"
    table = parse_country(head + "".join(fragments), URL)
    assert table is not None
    assert table.cut_off == _cut_off_by_hand(["<table>", *fragments])


def test_a_pager_repeating_its_links_gives_each_page_once() -> None:
    pager = "".join(f'<a href="?country=x&amp;page={n % 5000}">{n}</a>' for n in range(20_000))
    table = parse_country(page(ROW.format(name="A"), f"</table>{pager}</body></html>"), URL)
    assert table is not None and len(table.more_pages) == 4998  # page=0 and page=1 are the first page itself


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
