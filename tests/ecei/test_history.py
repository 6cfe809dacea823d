"""Finding a cluster by any name it was listed under, and its versions with what each changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ecei.history import cluster_versions, find_clusters, history, similar_names
from ecei.outcome import Status
from ecei.settings import Settings
from tests.conftest import NORWAY


@pytest.fixture
def con(history_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(history_db), read_only=True) as c:
        yield c


def test_name_matches_as_the_identity_does(con: duckdb.DuckDBPyConnection) -> None:
    exact = find_clusters(con, "Arena Legasea")
    assert len(exact) == 1
    assert find_clusters(con, "  arena\u00a0LEGASEA ") == exact


def test_country_by_name_or_id(con: duckdb.DuckDBPyConnection) -> None:
    ids = find_clusters(con, "Arena Legasea")
    assert find_clusters(con, "Arena Legasea", country="norway") == ids
    assert find_clusters(con, "Arena Legasea", country=NORWAY.replace("-", "").upper()) == ids
    assert find_clusters(con, "Arena Legasea", country="Italy") == []


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


def test_suggestions_on_a_miss(con: duckdb.DuckDBPyConnection) -> None:
    assert find_clusters(con, "Seafood") == []
    names = [n for n, _ in similar_names(con, "seafood")]
    assert names == ["NCE Seafood Innovation Cluster", "Seafood Innovation Cluster"]


def test_the_use_case_gives_one_timeline_per_cluster(history_db: Path) -> None:
    found = history(Settings(db=history_db), "arena legasea", country="Norway")
    assert found.status == Status.OK
    assert [len(t.versions) for t in found.timelines] == [2]
    assert {v["cluster_id"] for v in found.timelines[0].versions} == {found.timelines[0].cluster_id}


def test_the_use_case_fails_with_suggestions(history_db: Path) -> None:
    missed = history(Settings(db=history_db), "Seafood")
    assert missed.status == Status.FAILED
    assert missed.timelines == []
    assert [n for n, _ in missed.similar] == ["NCE Seafood Innovation Cluster", "Seafood Innovation Cluster"]
