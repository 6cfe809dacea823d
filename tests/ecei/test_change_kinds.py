"""The change kinds: the declaration matches what the warehouse stores and counts."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import duckdb

from ecei import change_kinds
from warehouse.db import connect
from warehouse.runs import RunFigures


def test_the_kinds_are_those_change_of_decides(tmp_path: Path) -> None:
    """change_of (warehouse/semantics/what_happened.sql) decides the kind; change_kinds.py names them."""
    con = connect(tmp_path / "w.duckdb")
    (definition,) = con.execute(
        "select macro_definition from duckdb_functions() where function_name = 'change_of'"
    ).fetchone() or ("",)
    crawl_runs = {d[0] for d in con.execute("select * from crawl_runs limit 0").description}
    checks = con.execute(
        "select count(*) from duckdb_constraints() where table_name = 'changes' and constraint_type = 'CHECK'"
    ).fetchone()
    con.close()
    assert sorted(set(re.findall(r"'(\w+)'", definition))) == sorted(change_kinds.names())
    assert checks == (0,)  # no second list of the kinds in the schema (migration 015)
    # each kind is counted by a run figure and a crawl_runs column of its name
    assert set(change_kinds.names()) <= {f.name for f in fields(RunFigures)}
    assert set(change_kinds.names()) <= crawl_runs


def test_every_stored_kind_is_declared(dated_db: Path) -> None:
    with duckdb.connect(str(dated_db), read_only=True) as con:
        stored = {k for (k,) in con.execute("select distinct change from changes").fetchall()}
    assert stored <= set(change_kinds.names())


def test_display_order_and_headings() -> None:
    assert change_kinds.names() == ["added", "changed", "removed", "renamed"]
    assert [k.heading for k in change_kinds.KINDS] == ["Added", "Changed", "Removed", "Renamed"]
    # the report's summary: every kind, with the renewals counted apart right after the changes
    assert [k.name for k in change_kinds.SUMMARY] == ["added", "changed", "renewed", "removed", "renamed"]


def test_the_figure_label_names_every_kind_in_order() -> None:
    assert change_kinds.figure_label() == "added / changed / removed / renamed"
