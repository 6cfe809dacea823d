"""The markdown of the refresh artifact: cells from a web page cannot break the table or inject markup."""

from __future__ import annotations

from flows.report import ROW_LIMIT, cell, table


def test_cell_escapes_markup_pipes_and_line_breaks() -> None:
    assert cell("<script>x</script> | a\nb") == "&lt;script&gt;x&lt;/script&gt; \\| a b"
    assert cell(None) == "" and cell(["name", "valid_until"]) == "name, valid_until"


def test_table_is_capped() -> None:
    text = table(["a"], [(i,) for i in range(ROW_LIMIT + 5)])
    assert text.count("\n| ") == ROW_LIMIT and "and 5 more" in text
