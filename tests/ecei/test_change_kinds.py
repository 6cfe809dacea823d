"""The change kinds: the declaration matches what the warehouse stores and counts."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from ecei import change_kinds
from warehouse.db import connect
from warehouse.runs import RunFigures


def test_the_kinds_are_the_changes_the_warehouse_allows(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    (check,) = con.execute(
        "select expression from duckdb_constraints() where table_name = 'changes' and constraint_type = 'CHECK'"
    ).fetchone() or ("",)
    crawl_runs = {d[0] for d in con.execute("select * from crawl_runs limit 0").description}
    con.close()
    assert sorted(re.findall(r"'(\w+)'", check)) == sorted(change_kinds.names())
    # each kind is counted by a run figure and a crawl_runs column of its name
    assert set(change_kinds.names()) <= {f.name for f in fields(RunFigures)}
    assert set(change_kinds.names()) <= crawl_runs


def test_display_order_and_headings() -> None:
    assert change_kinds.names() == ["added", "changed", "removed", "renamed"]
    assert [k.heading for k in change_kinds.KINDS] == ["Added", "Changed", "Removed", "Renamed"]
    # the report's summary: every kind, with the renewals counted apart right after the changes
    assert [k.name for k in change_kinds.SUMMARY] == ["added", "changed", "renewed", "removed", "renamed"]


def test_the_figure_label_names_every_kind_in_order() -> None:
    assert change_kinds.figure_label() == "added / changed / removed / renamed"
