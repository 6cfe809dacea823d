"""A person's link and unlink (ecei.history.identity): what they rewrite and refuse, and the lock they wait for."""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

from ecei.history.identity import LinkResult, decide_link, decide_link_on, link_evidence, link_evidence_on
from ecei.locks import refresh_lock_path
from ecei.outcome import Busy, Refused, Status
from ecei.settings import Settings
from tests.warehouse.identity_runs import KEEP, T0, T1, T2, changes, decisions, identity_state, ids_of, merge, row
from warehouse.db import connect


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def test_link_and_unlink_by_hand_round_trip(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    seafood = "http://www.nce-seafood-innovation-cluster.example/"
    merge(con, tmp_path, [*KEEP, row("NCE Seafood Innovation Cluster", seafood)], T0)
    merge(con, tmp_path, [*KEEP, row("Seafood Innovation Cluster", seafood)], T1)
    linked = identity_state(con)
    observed = con.execute("select * exclude (cluster_id) from versions order by all").fetchall()

    decide_link_on(con, "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster", linked=False, country=None)
    assert changes(con, 2) == [
        ("added", None, "Seafood Innovation Cluster"),
        ("removed", "NCE Seafood Innovation Cluster", None),
    ]
    assert len(ids_of(con, "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster")) == 2
    assert con.execute("select first_seen_at from clusters_current where name like '%Seafood%'").fetchall() == [(T1,)]
    assert con.execute("select * exclude (cluster_id) from versions order by all").fetchall() == observed

    decide_link_on(con, "nce seafood innovation cluster", "SEAFOOD innovation cluster", linked=True, country=None)
    assert identity_state(con) == linked
    assert [d[2:] for d in decisions(con)] == [(True, "auto"), (False, "person"), (True, "person")]


def test_person_links_what_the_scoring_left_apart(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [*KEEP, row("IKT Grenland", None, "ICT")], T0)
    merge(con, tmp_path, [*KEEP, row("Digital Grenland", None, "ICT")], T1)
    decide_link_on(con, "IKT Grenland", "Digital Grenland", linked=True, country=None)
    assert changes(con, 2) == [("renamed", "IKT Grenland", "Digital Grenland")]
    with pytest.raises(Refused, match="unlink that pair first"):
        decide_link_on(con, "Oslo Medtech", "Digital Grenland", linked=True, country=None)


def test_person_cannot_link_overlapping_names(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [*KEEP, row("IKT Grenland")], T0)
    merge(con, tmp_path, [*KEEP, row("IKT Grenland"), row("Digital Grenland")], T1)
    with pytest.raises(Refused, match="still listed"):
        decide_link_on(con, "IKT Grenland", "Digital Grenland", linked=True, country=None)
    with pytest.raises(Refused, match="not linked"):
        decide_link_on(con, "IKT Grenland", "Digital Grenland", linked=False, country=None)
    with pytest.raises(Refused, match="no country"):
        decide_link_on(con, "IKT Grenland", "Nowhere Cluster", linked=True, country=None)


def test_replay_honours_a_persons_decision(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    site = "http://www.digin.example/"
    runs = [[*KEEP, row("Digin", site)], [*KEEP, row("Digital Innovation North", site)]]
    for rows, at in zip(runs, (T0, T1), strict=True):
        merge(con, tmp_path, rows, at)
    decide_link_on(con, "Digin", "Digital Innovation North", linked=False, country=None)
    person = con.execute("select * exclude (link_id) from cluster_links where decided_by = 'person'").fetchall()

    # a replay into a fresh warehouse: seed the person's decisions, merge the same runs again
    replay = connect(tmp_path / "replay.duckdb")
    columns = [d[0] for d in con.execute("select * exclude (link_id) from cluster_links").description]
    marks = ", ".join("?" for _ in columns)
    replay.executemany(f"insert into cluster_links ({', '.join(columns)}) values ({marks})", person)
    for rows, at in zip(runs, (T0, T1), strict=True):
        merge(replay, tmp_path / "replay", rows, at)
    assert identity_state(replay) == identity_state(con)
    replay.close()


def seafood_renamed(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """Two runs in which the scoring links NCE Seafood Innovation Cluster to its new name."""
    seafood = "http://www.nce-seafood-innovation-cluster.example/"
    merge(con, tmp_path, [*KEEP, row("NCE Seafood Innovation Cluster", seafood)], T0)
    merge(con, tmp_path, [*KEEP, row("Seafood Innovation Cluster", seafood)], T1)


def test_decide_link_takes_the_lock_and_says_what_it_did(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with closing(connect(db)) as con:
        seafood_renamed(con, tmp_path)
    settings = Settings(db=db)
    old, new = "NCE Seafood Innovation Cluster", "seafood innovation cluster"

    confirmed = decide_link(settings, old, new, linked=True, country="Norway")
    assert confirmed == LinkResult("NCE Seafood Innovation Cluster", "Seafood Innovation Cluster", True, True, 0)
    undone = decide_link(settings, old, new, linked=False, country=None)
    assert (undone.linked, undone.already, undone.moved) == (False, True, 1)
    again = decide_link(settings, old, new, linked=True, country=None)
    assert (again.linked, again.already, again.moved) == (True, False, 1)
    assert undone.status == again.status == Status.OK


def test_decide_link_is_busy_while_a_refresh_holds_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with closing(connect(db)) as con:
        seafood_renamed(con, tmp_path)
        before = decisions(con)
    with FileLock(str(refresh_lock_path(db))), pytest.raises(Busy, match="another refresh is running on"):
        decide_link(Settings(db=db, lock_wait=0.1), "NCE Seafood Innovation Cluster", "x", linked=False, country=None)
    with closing(connect(db)) as con:
        assert decisions(con) == before


@pytest.mark.parametrize(
    ("old", "new", "country", "why"),
    [
        ("NCE Seafood Innovation Cluster", "nce  SEAFOOD innovation cluster", None, "the same cluster key"),
        ("NCE Seafood Innovation Cluster", "Seafood Innovation Cluster", "Sweden", "no country 'Sweden'.*Norway"),
        ("Oslo Medtech", "Seafood Innovation Cluster", None, "unlink that pair first"),
    ],
)
def test_decide_link_refuses_and_writes_nothing(tmp_path: Path, old: str, new: str, country: str, why: str) -> None:
    db = tmp_path / "w.duckdb"
    with closing(connect(db)) as con:
        seafood_renamed(con, tmp_path)
        before = identity_state(con), decisions(con)
    with pytest.raises(Refused, match=why):
        decide_link(Settings(db=db), old, new, linked=True, country=country)
    with closing(connect(db)) as con:
        assert (identity_state(con), decisions(con)) == before


def test_two_countries_with_both_names_need_a_country(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    sweden = "5e1a4b1c-sweden"
    both = [row("Blue Cluster", country_id=sweden), *KEEP]
    merge(con, tmp_path, [*both, row("Blue Cluster"), row("Green Cluster", country_id=sweden)], T0)
    merge(con, tmp_path, [*KEEP, row("Green Cluster"), row("Green Cluster", country_id=sweden)], T1)
    with pytest.raises(Refused, match="several countries"):
        decide_link_on(con, "Blue Cluster", "Green Cluster", linked=True, country=None)


def test_evidence_shows_both_names_and_the_scorings_own_score(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    seafood = "http://www.nce-seafood-innovation-cluster.example/"
    with closing(connect(db)) as con:
        merge(con, tmp_path, [*KEEP, row("NCE Seafood Innovation Cluster", seafood, valid_until="2018-06-16")], T0)
        merge(con, tmp_path, [*KEEP, row("NCE Seafood Innovation Cluster", seafood, valid_until="2019-06-16")], T1)
        merge(con, tmp_path, [*KEEP, row("Seafood Innovation Cluster", "https://seafood.example/")], T2)
        before = identity_state(con), decisions(con)
    evidence = link_evidence(
        Settings(db=db), "nce seafood innovation cluster", "Seafood Innovation Cluster", linked=True, country="norway"
    )
    old, new = evidence.old, evidence.new
    assert (old.name, old.country, old.websites, old.portfolios) == (
        "NCE Seafood Innovation Cluster",
        "Norway",
        [seafood],
        ["Food industry"],
    )
    assert old.label_dates == [dt.date(2018, 6, 16), dt.date(2019, 6, 16)]
    assert (old.first_seen, old.last_seen, old.listed) == (T0, T1, False)
    assert (new.websites, new.label_dates, new.first_seen, new.last_seen, new.listed) == (
        ["https://seafood.example/"],
        [dt.date(2025, 1, 1)],
        T2,
        T2,
        True,
    )
    # the merge linked them: one id, and a link now only confirms it
    assert old.cluster_id == new.cluster_id and (evidence.linked, evidence.already) == (True, True)
    # the rename scoring's own judgement of what left against what came: a new website, a near-identical
    # name and the same portfolio is strong, and it is the score the merge recorded for the pair
    with closing(connect(db)) as con:
        (recorded,) = con.execute("select score from cluster_links").fetchone() or (None,)
        assert (identity_state(con), decisions(con)) == before  # nothing written
    assert evidence.strength == "strong" and evidence.score == recorded
    assert "websites differ" in evidence.evidence and "same portfolio" in evidence.evidence


def test_evidence_refuses_what_the_decision_would_refuse(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [*KEEP, row("IKT Grenland")], T0)
    merge(con, tmp_path, [*KEEP, row("IKT Grenland"), row("Digital Grenland")], T1)
    with pytest.raises(Refused, match="still listed"):
        link_evidence_on(con, "IKT Grenland", "Digital Grenland", linked=True, country=None)
    with pytest.raises(Refused, match="not linked"):
        link_evidence_on(con, "IKT Grenland", "Digital Grenland", linked=False, country=None)
