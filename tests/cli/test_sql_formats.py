"""The shapes of a result: folds that keep every character, a fit that never passes the width,
one text for each value. The tables as a person sees them are tested through the CLI (test_sql.py)."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import uuid
import weakref
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from ecei.cli import sql_formats
from ecei.cli.kit import visible
from ecei.cli.sql_formats import (
    CELL_LINES,
    CELL_WIDTH,
    FOLD_AT,
    FORMATS,
    TABLE_MOST,
    Hints,
    cut,
    fit,
    fold,
    format_for,
    write_result,
    write_table,
)
from ecei.outputs.cells import plain, text

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
    assert text([at, None]) == '["2018-10-15T09:30:00Z",null]'  # compact, as DuckDB's to_json writes it
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


# --- rows as they come: every format holds a bounded number of them ---


class Batch(list):  # type: ignore[type-arg]
    """A batch of rows that can be watched (a weak reference): is anyone still holding it?"""


class Watched:
    """Batches of rows as a query streams them, and the most of them alive at once while read."""

    def __init__(self) -> None:
        self.alive = 0
        self.most = 0

    def _gone(self) -> None:
        self.alive -= 1

    def batches(self, count: int, size: int) -> Iterator[Batch]:
        for k in range(count):
            batch = Batch((i, f"x{i}") for i in range(k * size, (k + 1) * size))
            weakref.finalize(batch, self._gone)
            self.alive += 1
            self.most = max(self.most, self.alive)
            yield batch
            del batch


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("max_rows", [None, 40])
def test_every_format_writes_rows_as_they_come_and_keeps_few(fmt: str, max_rows: int | None) -> None:
    watched = Watched()
    stream = io.StringIO()
    console = Console(file=stream, width=80, color_system=None)
    total = write_result(
        fmt,
        stream,
        console,
        ["i", "s"],
        watched.batches(200, 100),
        terminal=False,
        max_rows=max_rows,
        hints=Hints(),
    )
    assert total == 20_000
    assert watched.most <= 2  # a writer that kept them all would hold 200
    written = stream.getvalue()
    if fmt == "table":
        # the first rows always, the last ones when the table shows the two ends; the count is whole
        assert "│ x0 " in written and ("x19999" in written) == (max_rows == 40) and "20,000 rows" in written
    else:
        assert "19999" in written and "x19999" in written and written.count("x1") >= 10_000


def test_a_table_of_every_row_stops_at_its_most_and_says_how_to_get_them_all() -> None:
    buffer = io.StringIO()
    rows = [[(i,) for i in range(k * 500, (k + 1) * 500)] for k in range(10)]
    total = write_table(Console(file=buffer, width=80, color_system=None), ["i"], rows, None, Hints())
    assert total == 5_000
    body = [line for line in buffer.getvalue().splitlines() if line.startswith("│")]
    assert len(body) == TABLE_MOST and body[-1].split()[1] == str(TABLE_MOST - 1)
    note = " ".join(buffer.getvalue().split("┘", 1)[1].split())
    assert (
        note
        == f"5,000 rows, the first {TABLE_MOST:,} shown (a table holds at most {TABLE_MOST:,}; {Hints().every_row})"
    )


# --- a value too long for a table is cut, said, and never slow ---


def test_a_huge_value_is_cut_with_a_mark_and_a_note() -> None:
    huge = "Arena " + "x" * 1_000_000
    buffer = io.StringIO()
    write_table(
        Console(file=buffer, width=80, color_system=None), ["name", "n"], [[(huge, 1), ("short", 2)]], 40, Hints()
    )
    text = buffer.getvalue()
    assert len(text) < 20_000  # the cut value, not a million characters folded
    assert "…" in text and "Arena xxx" in text and "│ short" in text
    note = " ".join(text.split("┘", 1)[1].split())
    assert note == f"1 value cut at {CELL_WIDTH} characters a line or {CELL_LINES} lines, marked … ({Hints().values})"


@given(VALUES | st.text(min_size=CELL_WIDTH - 5, max_size=CELL_WIDTH * 3) | st.just("a\n" * (CELL_LINES + 3)))
def test_a_cut_keeps_the_start_and_marks_what_it_left(value: str) -> None:
    shown, was_cut = cut(value)
    lines = shown.split("\n")
    assert len(lines) <= CELL_LINES and all(cell_len(line) <= CELL_WIDTH for line in lines)
    if not was_cut:
        assert shown == visible(value)
        return
    # each line is the value's own, or its start marked …; and the mark is somewhere
    assert "…" in shown
    whole = visible(value).split("\n")
    for line, own in zip(lines, whole, strict=False):
        assert line == own or (line.endswith("…") and own.startswith(line[:-1]))


def test_a_fold_measures_each_character_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    measured = [0]
    real = sql_formats.get_character_cell_size

    def counted(character: str) -> int:
        measured[0] += 1
        return real(character)

    monkeypatch.setattr(sql_formats, "get_character_cell_size", counted)
    value = ("word " * 4000) + "y" * 20_000  # spaces to break at, then one long run
    assert fold(value, 16).replace("\n", "") == value
    assert measured[0] <= 3 * len(value)  # linear: a quadratic fold measures the rest again at every line
