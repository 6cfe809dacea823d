"""The one rule for a CSV text cell (ecei.outputs.csv_cells): what a spreadsheet would run gets an apostrophe,
in Python and in DuckDB's COPY alike."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecei.outputs.csv_cells import FORMULA_STARTS, csv_cell, csv_cell_sql


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_text_a_spreadsheet_would_run_gets_an_apostrophe(start: str) -> None:
    assert csv_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"


@pytest.mark.parametrize("text", ["Arena Eyde", "", "'=quoted already", " =after a space", "1-2", "a=b"])
def test_any_other_text_is_kept_as_it_is(text: str) -> None:
    assert csv_cell(text) == text


TEXTS = st.text(st.sampled_from([*FORMULA_STARTS, "'", " ", "a", "界", "\n", "\x00"]), max_size=6) | st.text()
_DUCKDB = duckdb.connect()


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_duckdb_writes_a_cell_as_python_does(text: str) -> None:
    (found,) = _DUCKDB.execute(f"select {csv_cell_sql('$text')}", {"text": text}).fetchone()  # type: ignore[misc]
    assert found == csv_cell(text)


def test_duckdb_keeps_null_a_null() -> None:
    assert _DUCKDB.execute(f"select {csv_cell_sql('null::varchar')}").fetchone() == (None,)
