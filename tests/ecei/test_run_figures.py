"""The run figures: one declaration read from a run's figures and from a crawl_runs row alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from ecei import run_figures
from warehouse.db import connect, sql_file
from warehouse.runs import RunFigures

SEEN = RunFigures(
    pages_fetched=5,
    pages_failed=1,
    countries_listed=4,
    countries_loaded=3,
    stated_total=None,
    rows_seen=70,
    rows_loaded=67,
    rows_duplicate=2,
    rows_rejected=1,
    websites_invalid=3,
)
# a run_figures row: what the run saw, and what it changed as the view counts it
FIGURES: dict[str, Any] = {**asdict(SEEN), "added": 4, "changed": 5, "removed": 6, "renamed": 1}


def test_summary_rows_in_order() -> None:
    assert run_figures.summary_rows(FIGURES) == [
        ("pages fetched / failed", "5 / 1"),
        ("countries loaded / listed / stated", "3 / 4 / ?"),  # nor a number of countries
        ("rows seen / stated total", "70 / ?"),  # the overview stated no total
        ("rows loaded", "67"),
        ("exact duplicates", "2"),
        ("rejected (quarantined)", "1"),
        ("websites unusable (stored NULL)", "3"),
        ("added / changed / removed / renamed", "4 / 5 / 6 / 1"),
    ]


def test_new_portfolios_are_shown_only_when_there_are_some() -> None:
    with_new = RunFigures(new_portfolios=["Space", "Water"])
    assert run_figures.summary_rows(with_new)[-1] == ("new portfolios", "Space, Water")
    assert "new portfolios" not in dict(run_figures.summary_rows(RunFigures()))


def test_one_line_has_the_brief_figures() -> None:
    assert run_figures.one_line(FIGURES) == (
        "rows seen / stated total 70 / ?, rejected (quarantined) 1, added / changed / removed / renamed 4 / 5 / 6 / 1"
    )


def test_the_figures_are_the_columns_of_their_sql_definition_in_order(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    defined = [d[0] for d in con.execute("select * from run_figures").description]
    cur = con.execute(sql_file("report/recent_runs.sql"), {"runs": 1, "at": dt.datetime(2024, 1, 1)})
    selected = [d[0] for d in cur.description]
    con.close()
    assert defined == ["run_id", *run_figures.fields()]
    assert set(run_figures.fields()) <= set(selected)  # the report's run health reads them all
    # every figure a run records is shown: none is kept in the ledger and left out of the summaries
    assert {f.name for f in fields(RunFigures)} <= set(run_figures.fields())


def test_a_run_not_recorded_changed_nothing() -> None:
    """Busy or refused: no run was recorded, its figures are what it counted and no change."""
    changes = run_figures.CHANGES
    assert changes.value(SEEN) == "0 / 0 / 0 / 0"
    assert run_figures.counted(SEEN) == {**asdict(SEEN), "added": 0, "changed": 0, "removed": 0, "renamed": 0}
    assert list(run_figures.counted(SEEN)) == run_figures.fields()  # in the view's order


def test_a_report_row_reads_as_the_figures_do() -> None:
    changes = run_figures.CHANGES
    assert changes.value(FIGURES) == "4 / 5 / 6 / 1"
    assert changes.heading == "Added / changed / removed / renamed"
