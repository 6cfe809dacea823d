"""The change kinds: the declaration matches what the warehouse stores and counts."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import duckdb

from ecei import change_kinds, run_figures
from warehouse.db import connect
from warehouse.runs import RunFigures


def test_the_kinds_are_those_change_of_decides(tmp_path: Path) -> None:
    """change_of (warehouse/semantics/what_happened.sql) decides the kind; change_kinds.py names them."""
    con = connect(tmp_path / "w.duckdb")
    (definition,) = con.execute(
        "select macro_definition from duckdb_functions() where function_name = 'change_of'"
    ).fetchone() or ("",)
    crawl_runs = [d[0] for d in con.execute("select * from crawl_runs limit 0").description]
    counted = [d[0] for d in con.execute("select * from run_figures limit 0").description]
    checks = con.execute(
        "select count(*) from duckdb_constraints() where table_name = 'changes' and constraint_type = 'CHECK'"
    ).fetchone()
    con.close()
    assert sorted(set(re.findall(r"'(\w+)'", definition))) == sorted(change_kinds.names())
    assert checks == (0,)  # no second list of the kinds in the schema (migration 015)
    # each kind is counted by a column of run_figures (and crawl_runs) of its name, in their order,
    # which the run figure of the changes shows; a run records none (they are counted from `changes`)
    kinds = change_kinds.names()
    assert [c for c in counted if c in kinds] == [c for c in crawl_runs if c in kinds] == kinds
    assert run_figures.CHANGES.fields == tuple(kinds)
    assert not set(kinds) & {f.name for f in fields(RunFigures)}


def test_every_stored_kind_is_declared(dated_db: Path) -> None:
    with duckdb.connect(str(dated_db), read_only=True) as con:
        stored = {k for (k,) in con.execute("select distinct change from changes").fetchall()}
    assert stored <= set(change_kinds.names())


def test_display_order_and_headings() -> None:
    names = change_kinds.names()
    first = {"added": "Added", "changed": "Changed", "removed": "Removed", "renamed": "Renamed"}
    # the first four in their order (a kind added later goes where its file puts it), each name once
    assert [n for n in names if n in first] == list(first) and len(set(names)) == len(names)
    assert {k.name: k.heading for k in change_kinds.KINDS if k.name in first} == first
    # the report's summary: every kind, with the renewals counted apart right after the changes
    after = names.index(change_kinds.CHANGED.name) + 1
    assert [k.name for k in change_kinds.SUMMARY] == [*names[:after], change_kinds.RENEWED.name, *names[after:]]
    assert change_kinds.RENEWED.name not in names


def test_the_figure_label_names_every_kind_in_order() -> None:
    assert change_kinds.figure_label() == " / ".join(k.label for k in change_kinds.KINDS)
