"""The shapes of a result: folds that keep every character, a fit that never passes the width,
one text for each value. The tables as a person sees them are tested through the CLI (test_sql.py)."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import uuid

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from ecei.cli.sql_formats import FOLD_AT, Hints, fit, fold, format_for, plain, text, write_table

VALUES = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from([" ", "\n", "界", "\u0301"]))


@given(VALUES, st.integers(1, 40))
def test_a_fold_keeps_every_character_and_the_width(value: str, width: int) -> None:
    folded = fold(value, width)
    assert folded.replace("\n", "") == value.replace("\n", "")
    # only a character wider than the column itself passes it, alone on its line
    assert all(cell_len(line) <= width or len(line) == 1 for line in folded.split("\n"))


@given(st.lists(st.integers(1, 120), min_size=1, max_size=30), st.integers(20, 300))
def test_a_fit_keeps_the_first_and_the_last_and_never_passes_the_width(natural: list[int], width: int) -> None:
    layout = fit(natural, width)
    n = len(natural)
    shown = layout.shown
    assert shown[0] == 0 and sorted(shown + layout.dropped) == list(range(n))
    gap = 1 if layout.dropped else 0
    assert sum(layout.widths) + 3 * (len(shown) + gap) + 1 + gap <= width
    # DuckDB's way: what is left out is one run of columns from the middle
    if layout.dropped:
        assert layout.dropped == list(range(layout.dropped[0], layout.dropped[-1] + 1))
        assert layout.gap_after is not None and shown[layout.gap_after] + 1 == layout.dropped[0]
    # a column is folded to no less than FOLD_AT (or its own width), unless it is the only one left
    if len(shown) > 1:
        assert all(w >= min(natural[i], FOLD_AT) for i, w in zip(shown, layout.widths, strict=True))
    assert all(w <= natural[i] for i, w in zip(shown, layout.widths, strict=True))


def test_every_column_at_its_width_when_they_fit() -> None:
    assert fit([10, 20, 5], 80).widths == [10, 20, 5] and not fit([10, 20, 5], 80).dropped


def test_values_as_text_and_as_json() -> None:
    at = dt.datetime(2018, 10, 15, 9, 30, 0, 250000)
    zoned = dt.datetime(2018, 10, 15, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert text(at) == text(zoned) == plain(at) == "2018-10-15T09:30:00Z"
    assert text([at, None]) == '["2018-10-15T09:30:00Z", null]'
    assert plain({"k": [dt.date(2018, 1, 2)]}) == {"k": ["2018-01-02"]}
    assert text(True) == "true" and text(None) == "" and plain(None) is None
    assert plain(decimal.Decimal("1.50")) == 1.5 and plain(float("nan")) == "nan"
    assert plain(b"a\x00\\") == "a\\x00\\x5C"
    assert plain(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    assert json.loads(json.dumps(plain({"x": [1, {"y": at}]}))) == {"x": [1, {"y": "2018-10-15T09:30:00Z"}]}


def test_the_format_given_or_named_by_the_file() -> None:
    assert format_for("CSV", None) == "csv" and format_for(None, "out.JSONL") == "jsonl"
    assert format_for(None, "out.txt") == format_for(None, None) == "table"
    assert format_for("json", "out.csv") == "json"  # --format wins


def test_a_table_names_what_it_left_out() -> None:
    buffer = io.StringIO()
    columns = [f"column_{i}" for i in range(12)]
    rows = [tuple("x" * 20 for _ in columns) for _ in range(50)]
    write_table(Console(file=buffer, width=70, color_system=None), columns, [rows], 10, Hints())
    lines = buffer.getvalue().splitlines()
    assert max(cell_len(line) for line in lines) <= 70
    note = " ".join(" ".join(lines).split("┘", 1)[1].split())
    assert note.startswith("50 rows, 10 shown (the first 5 and the last 5; --max-rows 0 shows every row) ")
    assert "columns not shown: column_2, column_3," in note and note.endswith(
        "(terminal is 70 wide; use --format csv or -o FILE)"
    )
