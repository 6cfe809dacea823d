"""The markdown of the refresh artifact: what it lists, and cells from a web page cannot break the table or
inject markup."""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from pathlib import Path

from ecei.refresh import RefreshResult
from flows.report import ROW_LIMIT, cell, refresh_markdown, table
from tests.warehouse.staged_runs import T0, merge, row
from warehouse.db import connect


def test_cell_escapes_markup_pipes_and_line_breaks() -> None:
    assert cell("<script>x</script> | a\nb") == "&lt;script&gt;x&lt;/script&gt; \\| a b"
    assert cell(None) == "" and cell(["name", "valid_until"]) == "name, valid_until"


def test_table_is_capped() -> None:
    text = table(["a"], [(i,) for i in range(ROW_LIMIT + 5)])
    assert text.count("\n| ") == ROW_LIMIT and "and 5 more" in text


def test_the_artifact_has_a_section_per_change_kind_and_each_rename_on_one_line(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with closing(connect(db)) as con:
        merge(con, tmp_path / "stage", [row("NCE Seafood Innovation Cluster", "2018-06-16"), row("B")], T0)
        later = T0 + dt.timedelta(days=1)
        figures = merge(con, tmp_path / "stage", [row("Seafood Innovation Cluster", "2021-06-16"), row("C")], later)
    markdown = refresh_markdown(RefreshResult("ok", 2, figures, db=str(db)))
    assert "| added / changed / removed / renamed | 1 / 0 / 1 / 1 |" in markdown
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == ["## Added (1)", "## Changed (0)", "## Removed (1)", "## Renamed (1)", "## Rejected (0)"]
    renamed = markdown[markdown.index("## Renamed") :].splitlines()
    assert any(
        "| NCE Seafood Innovation Cluster \N{RIGHTWARDS ARROW} Seafood Innovation Cluster |" in line
        and "| 2018-06-16 | 2021-06-16 |" in line
        for line in renamed
    )
