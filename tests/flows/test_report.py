"""The markdown of the refresh artifact: what it lists, and cells from a web page cannot break the table or
inject markup."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import closing
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ecei import change_kinds
from ecei.demo.mirror import Fault, Mirror
from ecei.refresh.result import RefreshResult
from ecei.refresh.run import refresh
from ecei.settings import Settings
from flows.report import ROW_LIMIT, cell, refresh_markdown, table
from tests.cli.helpers import hostile_page
from tests.conftest import COUNTRY_PATH, NORWAY
from tests.warehouse.staged_runs import T0, merge, row
from warehouse.db import connect
from warehouse.runs import RunFigures


def test_cell_escapes_markup_pipes_and_line_breaks() -> None:
    assert cell("<script>x</script> | a\nb") == "&lt;script&gt;x&lt;/script&gt; \\| a b"
    assert cell(None) == "" and cell(["name", "valid_until"]) == "name, valid\\_until"


def test_table_is_capped() -> None:
    text = table(["a"], [(i,) for i in range(ROW_LIMIT + 5)])
    assert text.count("\n| ") == ROW_LIMIT and "and 5 more" in text


def test_the_artifact_has_a_section_per_change_kind_and_each_rename_on_one_line(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with closing(connect(db)) as con:
        merge(con, tmp_path / "stage", [row("NCE Seafood Innovation Cluster", "2018-06-16"), row("B")], T0)
        later = T0 + dt.timedelta(days=1)
        merge(con, tmp_path / "stage", [row("Seafood Innovation Cluster", "2021-06-16"), row("C")], later)
    markdown = refresh_markdown(RefreshResult("ok", 2, RunFigures(), db=str(db)))
    assert "| added / changed / removed / renamed | 1 / 0 / 1 / 1 |" in markdown
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == ["## Added (1)", "## Changed (0)", "## Removed (1)", "## Renamed (1)", "## Rejected (0)"]
    renamed = markdown[markdown.index("## Renamed") :].splitlines()
    assert any(
        "| NCE Seafood Innovation Cluster \N{RIGHTWARDS ARROW} Seafood Innovation Cluster |" in line
        and "| 2018-06-16 | 2021-06-16 |" in line
        for line in renamed
    )


# --- what the site writes never forms Markdown in an artifact ---

MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
LIVE = {"link_open", "image", "em_open", "strong_open", "code_inline", "html_inline", "s_open", "heading_open"}
NAMED = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def inline_tokens(markdown: str) -> list[Token]:
    return [child for t in MARKDOWN.parse(markdown) if t.type == "inline" for child in t.children or []]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.characters(blacklist_categories=("Cs",)),
            st.sampled_from([*"\\`*_[]()!|~<>:.#-+&;=\x1b\u202e\n", "](", "http://", "www.", "a@b.c", "&amp;"]),
        ),
        max_size=30,
    ).map("".join)
)
def test_a_cell_never_forms_markdown_and_reads_as_written(text: str) -> None:
    markdown = table(["a", "b"], [(text, "x")])
    tokens = MARKDOWN.parse(markdown)
    cells = [tokens[i + 1] for i, t in enumerate(tokens) if t.type == "td_open"]
    assert len(cells) == 2 and cells[1].content == "x"  # no cell of its own
    assert not {t.type for t in inline_tokens(markdown)} & LIVE
    # what a reader sees is the text itself, on one line, its controls named (U+001B)
    shown = "".join(child.content for child in cells[0].children or [])
    assert shown == NAMED.sub(lambda m: f"U+{ord(m[0]):04X}", " ".join(text.split()))
    # no autolink either (GFM links http://, www. and a@b.c in plain text): ':' and '.' only escaped
    unescaped = re.sub(r"\\.", "", markdown.splitlines()[2])
    assert ":" not in unescaped and "." not in unescaped


def test_a_hostile_name_from_the_site_is_inert_in_the_refresh_artifact(
    mirror: Mirror, settings: Settings, db_path: Path
) -> None:
    mirror.faults[COUNTRY_PATH + NORWAY] = Fault(rewrite=hostile_page)
    result = refresh(settings)
    assert result.status == "ok", result.message
    markdown = refresh_markdown(result)
    assert not {t.type for t in inline_tokens(markdown)} & LIVE
    assert not NAMED.search(markdown.replace("\n", ""))
    headings = [t for t in MARKDOWN.parse(markdown) if t.type == "heading_open"]
    assert len(headings) == 1 + len(change_kinds.KINDS) + 1  # the run, each kind, rejected: none from a name
    row = next(line for line in markdown.splitlines() if "Eyde" in line)
    text = "".join(t.content for t in inline_tokens(row))
    assert "Arena U+001B[31mEyde" in text and "evil](javascript:alert(1))" in text and "<img src=x>" in text
