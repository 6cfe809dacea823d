"""The examples of the analyst's pages (docs/analyst/), run for real on the demo warehouse, and what
some cookbook recipes find there, against the mirror's own rows (expected.json) and the runs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pipelines.contract import clean_text
from tests.conftest import expected_rows
from tests.docs import pages
from tests.ecei.oracle import named
from warehouse.query import run_query

PAGES = pages.group("analyst/")
COOKBOOK = pages.DOCS / "analyst" / "cookbook.md"
RECIPES = {q.title: q.sql for q in pages.queries(COOKBOOK)}


@pytest.mark.parametrize("example", pages.examples(PAGES))
def test_example_runs_on_the_demo(demo: Path, tmp_path: Path, example: pages.Example) -> None:
    pages.run(demo, tmp_path, example)


def test_the_cookbook_has_recipes_each_under_a_title_of_its_own() -> None:
    found = pages.queries(COOKBOOK)
    assert len(found) >= 10 and len(RECIPES) == len(found), "two recipes share a title"
    assert all("```" not in q.sql and q.sql.strip().endswith(";") for q in found)


def recipe(db: Path, title: str) -> list[tuple]:
    return run_query(db, RECIPES[title], busy_timeout=5)[1]


def test_renewals_span_the_years_of_the_demo(demo: Path) -> None:
    rows = recipe(demo, "Renewals per year")
    assert [year for year, *_ in rows] == [2018, 2021]


def test_clusters_no_longer_listed_are_those_the_last_snapshot_lost(demo: Path) -> None:
    rows = recipe(demo, "Clusters no longer listed")
    renamed = {("Norway", "NCE Seafood Innovation Cluster")}  # listed on under its new name
    assert {(r[1], r[2]) for r in rows} == named("2018-10") - named("2021-09") - renamed


def test_the_list_on_a_day_is_the_snapshot_of_then(demo: Path) -> None:
    rows = recipe(demo, "The list as it stood on a day")  # 2019-01-01: the 2018-10 snapshot
    assert Counter((r[0], r[1]) for r in rows) == Counter(named("2018-10"))


def test_labels_lapsing_within_90_days_of_the_last_snapshot(demo: Path) -> None:
    rows = recipe(demo, "Labels lapsing within 90 days of the latest refresh, soonest first")
    day = "2021/09/15"  # the last snapshot's day; 89 days on is 2021/12/13
    expected = sorted(
        (r["valid_until"], clean_text(r["name"]))
        for r in expected_rows("2021-09")
        if clean_text(r["name"]) and day <= r["valid_until"] <= "2021/12/13"
    )
    assert [(str(r[0]).replace("-", "/"), r[3]) for r in rows] == expected
