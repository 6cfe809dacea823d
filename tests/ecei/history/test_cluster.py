"""A cluster's versions with what each changed, found by any name it had, its labels judged on a day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ecei.demo.mirror import SNAPSHOT_DATES as DEMO_RUNS
from ecei.history.cluster import cluster_versions, history, label_words
from ecei.history.names import find_clusters
from ecei.outcome import Refused, Status
from ecei.settings import Settings


@pytest.fixture
def con(dated_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(dated_db), read_only=True) as c:
        yield c


def test_a_renewal_is_a_new_version(con: duckdb.DuckDBPyConnection) -> None:
    versions = cluster_versions(con, find_clusters(con, "Arena Legasea"))
    assert [v["version"] for v in versions] == [1, 2]
    assert [v["what_changed"] for v in versions] == [["listed"], ["renewed"]]
    assert versions[1]["prev_valid_until"] == dt.date(2018, 1, 27)
    assert versions[1]["valid_until"] == dt.date(2021, 1, 27)
    assert versions[0]["valid_to"] == versions[1]["valid_from"]
    assert [v["is_current"] for v in versions] == [False, True]


def test_a_reclassification(con: duckdb.DuckDBPyConnection) -> None:
    versions = cluster_versions(con, find_clusters(con, "Norwegian Rooms AS"))
    assert versions[-1]["what_changed"] == ["portfolio"]
    assert (versions[-1]["prev_portfolio"], versions[-1]["portfolio"]) == ("Production and engineering", "Construction")


def test_a_delisted_cluster_ends(con: duckdb.DuckDBPyConnection) -> None:
    versions = cluster_versions(con, find_clusters(con, "IKT Grenland"))
    assert versions and not versions[-1]["is_current"]
    assert versions[-1]["run_id_to"] == 3


def test_a_label_is_valid_through_its_day_and_lapsed_after(con: duckdb.DuckDBPyConnection) -> None:
    day = dt.date(2021, 1, 27)
    days = ((dt.date(2020, 12, 31), "valid until"), (day, "valid until"), (dt.date(2021, 1, 28), "lapsed on"))
    for on, words in days:
        (status,) = con.execute("select label_status(?::date, ?::date, 0)", [day, on]).fetchone()
        assert label_words(day, status) == f"{words} 2021-01-27"


def test_the_use_case_judges_every_version_against_the_day(dated_db: Path) -> None:
    before = history(Settings(db=dated_db), "arena legasea", country="Norway", today=dt.date(2021, 1, 27))
    after = history(Settings(db=dated_db), "arena legasea", country="Norway", today=dt.date(2021, 10, 1))
    assert before.status == after.status == Status.OK
    assert [len(t.versions) for t in after.timelines] == [2]
    (timeline,) = after.timelines
    assert {v["cluster_id"] for v in timeline.versions} == {timeline.cluster_id}
    assert [v["label"] for v in before.timelines[0].versions] == ["lapsed on 2018-01-27", "valid until 2021-01-27"]
    assert [v["label"] for v in timeline.versions] == ["lapsed on 2018-01-27", "lapsed on 2021-01-27"]
    # the versions start and end at the runs' own dates
    assert [v["valid_from"] for v in timeline.versions] == [DEMO_RUNS["2016-06"], DEMO_RUNS["2021-09"]]


def test_today_is_the_default_day(dated_db: Path) -> None:
    found = history(Settings(db=dated_db), "Ocean Autonomy Cluster")
    assert found.today == dt.datetime.now(dt.UTC).date()


def test_the_use_case_fails_with_the_nearest_names(dated_db: Path) -> None:
    missed = history(Settings(db=dated_db), "Seafod Inovation")
    assert missed.status == Status.FAILED
    assert missed.timelines == []
    # the cluster listed under both names comes once, with both
    assert missed.nearest[0].names == ("Seafood Innovation Cluster", "NCE Seafood Innovation Cluster")
    assert missed.nearest[0].country == "Norway"
    assert len({c.cluster_id for c in missed.nearest}) == len(missed.nearest)


def test_a_part_of_a_name_finds_the_one_cluster_that_has_it(dated_db: Path) -> None:
    found = history(Settings(db=dated_db), "seafood")
    assert (found.status, found.how) == (Status.OK, "part")
    (timeline,) = found.timelines
    assert {v["name"] for v in timeline.versions} == {"Seafood Innovation Cluster", "NCE Seafood Innovation Cluster"}


def test_an_unknown_country_is_refused_with_the_known_ones(dated_db: Path) -> None:
    with pytest.raises(Refused, match="known countries: Italy, Norway, Poland, Spain"):
        history(Settings(db=dated_db), "Arena Legasea", country="Atlantis")
