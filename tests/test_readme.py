"""The README's SQL cookbook: every query is read from the README itself and run on the demo history."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from pipelines.contract import clean_text
from tests.conftest import expected_rows, query
from warehouse.query import run_query

README = Path(__file__).resolve().parents[1] / "README.md"
AS_OF = "date '2016-06-15'"  # the demo's labels are old: judge them as of the first snapshot


def cookbook() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## SQL cookbook\n", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"^### (.+?)\n(?:(?!^### ).)*?```sql\n(.*?)```", section, re.S | re.M)
    recipes = {title: sql for title, sql in found}
    assert len(recipes) == len(found), "two recipes share a title"
    return recipes


RECIPES = cookbook()


def run(db: Path, title: str, as_of: bool = True) -> tuple[list[str], list[tuple]]:
    sql = RECIPES[title]
    return run_query(db, sql.replace("current_date", AS_OF) if as_of else sql, busy_timeout=5)


def test_at_least_ten_recipes() -> None:
    assert len(RECIPES) >= 10
    assert all("```" not in sql and sql.strip().endswith(";") for sql in RECIPES.values())


@pytest.mark.parametrize("title", sorted(RECIPES))
def test_recipe_runs_read_only_and_finds_something(history_db: Path, title: str) -> None:
    columns, _ = run(history_db, title, as_of=False)  # as written, through the `ecei sql` guard
    assert columns
    _, rows = run(history_db, title)
    assert rows, f"{title!r} found nothing in the demo history"


def test_lapsing_next_quarter_by_country(history_db: Path) -> None:
    # Q3 2016 from the mirror's own rows of the last snapshot (what the site lists now)
    start, end = dt.date(2016, 7, 1), dt.date(2016, 10, 1)
    expected = Counter()
    for r in expected_rows("2021-09"):
        day = dt.date(*map(int, r["valid_until"].split("/")))
        if clean_text(r["name"]) and start <= day < end:
            expected[r["country"]] += 1
    _, rows = run(history_db, "Labels lapsing next quarter, by country")
    assert {country: labels for country, labels, *_ in rows} == dict(expected)


def test_the_list_as_the_second_refresh_saw_it(history_db: Path) -> None:
    _, rows = run(history_db, "The list as an earlier refresh saw it")
    assert len(rows) == query(history_db, "select rows_loaded from crawl_runs where run_id = 2")[0][0]


def test_what_changed_in_the_last_run(history_db: Path) -> None:
    _, rows = run(history_db, "What changed in the last run")
    (total,) = query(history_db, "select added + changed + removed + renamed from crawl_runs where run_id = 3")[0]
    assert len(rows) == total


def test_clusters_that_changed_portfolio(history_db: Path) -> None:
    _, rows = run(history_db, "Clusters that changed portfolio")
    assert [(r[2], r[3], r[4]) for r in rows] == [("Norwegian Rooms AS", "Production and engineering", "Construction")]


def test_clusters_no_longer_listed(history_db: Path) -> None:
    def named(snapshot: str) -> set[tuple[str, str]]:
        return {(r["country"], clean_text(r["name"])) for r in expected_rows(snapshot) if clean_text(r["name"])}

    _, rows = run(history_db, "Clusters no longer listed")
    renamed = {("Norway", "NCE Seafood Innovation Cluster")}  # listed on under its new name
    assert {(r[1], r[2]) for r in rows} == named("2018-10") - named("2021-09") - renamed


def test_renewals_per_year(history_db: Path) -> None:
    _, rows = run(history_db, "Renewals per year")
    renewed = sum(r[1] for r in rows)
    (expected,) = query(
        history_db,
        "select count(*) from cluster_history as h join cluster_history as p "
        "on h.cluster_id = p.cluster_id and p.valid_to = h.valid_from where h.valid_until > p.valid_until",
    )[0]
    assert renewed == expected > 0
