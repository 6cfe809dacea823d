"""What changed between two points, on a real warehouse built by staged runs at their own dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from ecei.history.changes import ChangesResult, UntilBeforeSince, changes
from ecei.moments import UnknownRun, parse_when
from ecei.outcome import Refused
from ecei.settings import Settings
from tests.cli.helpers import HOSTILE_NAME
from tests.ecei.changes_history import NORWAY_ID, RUN_1, RUN_2, RUN_3, SWEDEN_ID, build
from tests.warehouse.staged_runs import merge, row
from warehouse.db import connect


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(db=build(tmp_path_factory.mktemp("changes") / "ecei.duckdb"))


def between(settings: Settings, since: str, until: str | None = None, country: str | None = None) -> ChangesResult:
    return changes(settings, parse_when(since), parse_when(until) if until else None, country)


def by_name(result: ChangesResult) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in result.changes}


def kinds(result: ChangesResult) -> list[tuple[str, str]]:
    return [(row["change"], row["name"]) for row in result.changes]


def test_every_kind_between_the_first_and_the_latest_list(warehouse: Settings) -> None:
    result = between(warehouse, "2020-01-11")
    assert kinds(result) == [
        ("added", HOSTILE_NAME),  # the kinds in change_kinds' order, then country and name ("Arena ...")
        ("added", "Digital Nord"),
        ("changed", "Arena Alpha"),
        ("changed", "Bergen Bio"),
        ("changed", "Malmo Maritime"),
        ("removed", "Coast Care"),
        ("renamed", "Fjord Seafood Cluster"),
    ]
    assert result.counts() == {"added": 2, "changed": 3, "removed": 1, "renamed": 1, "renewed": 1}
    rows = by_name(result)
    alpha = rows["Arena Alpha"]
    assert alpha["changed_fields"] == ["valid_until"] and alpha["renewed"]
    assert (alpha["old_valid_until"], alpha["new_valid_until"]) == (dt.date(2020, 9, 1), dt.date(2023, 9, 1))
    assert alpha["changed_at"] == RUN_3
    bergen = rows["Bergen Bio"]
    assert bergen["changed_fields"] == ["portfolio"] and not bergen["renewed"]
    assert (bergen["old_portfolio"], bergen["new_portfolio"]) == ("Life sciences", "Biotechnology")
    assert bergen["changed_at"] == RUN_2  # seen by the partial run
    removed = rows["Coast Care"]
    assert (removed["old_portfolio"], removed["new_portfolio"], removed["changed_at"]) == ("Health", None, RUN_3)
    added = rows["Digital Nord"]
    assert (added["old_name"], added["new_valid_until"], added["changed_fields"]) == (None, dt.date(2024, 5, 5), [])


def test_a_rename_is_one_cluster_with_its_other_changed_fields(warehouse: Settings) -> None:
    renamed = by_name(between(warehouse, "run:1", "run:3"))["Fjord Seafood Cluster"]
    assert renamed["change"] == "renamed"
    assert renamed["changed_fields"] == ["name", "portfolio"]
    assert (renamed["old_name"], renamed["new_name"]) == ("Fjord Fish", "Fjord Seafood Cluster")
    assert (renamed["old_portfolio"], renamed["new_portfolio"]) == ("Food industry", "Blue economy")
    assert renamed["old_website"] == renamed["new_website"]


def test_a_cluster_missed_by_a_partial_run_is_not_removed(warehouse: Settings) -> None:
    # run 2 saw only two of the five clusters: the other three stay listed at its end
    result = between(warehouse, "run:1", "run:2")
    assert kinds(result) == [("changed", "Bergen Bio")]
    same = between(warehouse, "2020-01-11", "2020-12-31")
    assert kinds(same) == kinds(result)


def test_a_day_as_since_is_the_list_before_it_began_and_as_until_after_its_end(warehouse: Settings) -> None:
    # run 3 started 2021-01-10 05:00: a day-long window on that day holds it
    result = between(warehouse, "2021-01-10", "2021-01-10")
    assert result.since.at == dt.datetime(2021, 1, 9, 23, 59, 59, 999999)
    assert result.until.at == dt.datetime(2021, 1, 10, 23, 59, 59, 999999)
    assert {k for k, _ in kinds(result)} == {"added", "changed", "removed", "renamed"}
    assert [r for r in result.changes if r["name"] == "Bergen Bio"] == []  # changed by run 2, before the day


def test_timestamps_and_run_ids_are_points_too(warehouse: Settings) -> None:
    by_run = between(warehouse, "run:1", "run:3")
    by_time = between(warehouse, "2020-01-10T05:00:00Z", "2021-01-10T06:00:00+01:00")
    assert (by_run.since.at, by_run.until.at) == (RUN_1, RUN_3)
    assert by_time.until.at == RUN_3  # +01:00 read as UTC
    assert kinds(by_time) == kinds(by_run)
    # just before the first run the list was empty: everything listed after run 1 is added
    first = between(warehouse, "2020-01-10T04:59:59", "run:1")
    assert [k for k, _ in kinds(first)] == ["added"] * 5


def test_the_latest_list_by_default(warehouse: Settings) -> None:
    latest = between(warehouse, "run:1")
    assert latest.until.given is None and latest.until.at > RUN_3
    assert kinds(latest) == kinds(between(warehouse, "run:1", "run:3"))


def test_no_change_is_an_empty_answer(warehouse: Settings) -> None:
    result = between(warehouse, "run:3")
    assert result.changes == []
    assert result.counts() == {"added": 0, "changed": 0, "removed": 0, "renamed": 0, "renewed": 0}


def test_country_by_name_or_id(warehouse: Settings) -> None:
    sweden = between(warehouse, "run:1", country="sweden")
    assert kinds(sweden) == [("changed", "Malmo Maritime")]
    assert (sweden.country_ids, sweden.countries) == ([SWEDEN_ID], ["Sweden"])
    assert kinds(between(warehouse, "run:1", country=SWEDEN_ID.upper().replace("-", ""))) == kinds(sweden)
    assert "Malmo Maritime" not in by_name(between(warehouse, "run:1", country="Norway"))


def test_an_unknown_country_lists_the_known_ones(warehouse: Settings) -> None:
    with pytest.raises(Refused, match="known countries: Norway, Sweden"):
        between(warehouse, "run:1", country="Narnia")


def test_until_before_since_is_refused(warehouse: Settings) -> None:
    with pytest.raises(UntilBeforeSince, match=r"--until run:1 .* is before --since run:3"):
        between(warehouse, "run:3", "run:1")


def test_an_unknown_run_is_refused(warehouse: Settings) -> None:
    with pytest.raises(UnknownRun, match="runs are 1 to 3"):
        between(warehouse, "run:7")


def test_a_name_respelled_under_the_same_key_is_a_changed_name_not_a_rename(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    merge(con, tmp_path, [row("Arena  ALPHA", country_id=NORWAY_ID)], RUN_1)
    merge(con, tmp_path, [row("Arena Alpha", country_id=NORWAY_ID)], RUN_2)
    con.close()
    result = between(Settings(db=tmp_path / "w.duckdb"), "run:1", "run:2")
    assert [(r["change"], r["changed_fields"], r["old_name"]) for r in result.changes] == [
        ("changed", ["name"], "Arena  ALPHA")
    ]
