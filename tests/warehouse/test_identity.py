"""Rename decisions on hand-made staged runs: what is linked, what is not, and how a person undoes it."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.keys import country_key, name_key
from tests.warehouse.history_rules import assert_history_consistent
from warehouse.db import connect, sql_file
from warehouse.identity import (
    NAME_WEAK,
    Candidate,
    IdentityRefused,
    core_name,
    decide,
    decide_by_person,
    name_similarity,
    pair_candidates,
)
from warehouse.merge import merge_run
from warehouse.runs import RunFigures, begin_run

T0 = dt.datetime(2024, 1, 1, 5)
T1 = T0 + dt.timedelta(days=1)
T2 = T0 + dt.timedelta(days=2)
NORWAY = "9e0e2d07-b7a9-47ae-a816-cf7692205403"


def row(
    name: str,
    website: str | None = None,
    portfolio: str = "Food industry",
    valid_until: str = "2025-01-01",
    country_id: str = NORWAY,
) -> dict[str, Any]:
    return {
        "page_url": "http://x/?country=" + country_id,
        "row_number": 1,
        "country": "Norway",
        "country_id": country_id,
        "name": name,
        "portfolio": portfolio,
        "website": website,
        "valid_until": valid_until,
        "country_key": country_key(country_id),
        "name_key": name_key(name),
    }


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def merge(
    con: duckdb.DuckDBPyConnection, tmp: Path, rows: list[dict[str, Any]], at: dt.datetime, complete: bool = True
) -> RunFigures:
    run_id = begin_run(con, "http://x/", at, 1)
    folder = tmp / f"run-{run_id}"
    folder.mkdir(parents=True)
    (folder / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "rejected.jsonl").write_text("")
    status = "ok" if complete else "partial"
    figures = merge_run(
        con, run_id, at, folder / "rows.jsonl", folder / "rejected.jsonl", complete, status, RunFigures()
    )
    assert_history_consistent(con)
    return figures


def changes(con: duckdb.DuckDBPyConnection, run_id: int) -> list[tuple[Any, ...]]:
    return con.execute(
        "select change, old_name, new_name from cluster_changes where run_id = ? order by all", [run_id]
    ).fetchall()


def decisions(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute("select old_name, new_name, linked, decided_by from cluster_links order by link_id").fetchall()


def ids_of(con: duckdb.DuckDBPyConnection, *names: str) -> set[str]:
    rows = con.execute(
        "select distinct cluster_id from cluster_history where name in (select unnest(?::varchar[]))", [list(names)]
    ).fetchall()
    return {r[0] for r in rows}


def identity_state(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        t: con.execute(f"select * from {t} order by all").fetchall() for t in ("versions", "changes", "cluster_keys")
    }


KEEP = [row("Oslo Medtech", "http://www.oslo-medtech.example/", "Health and medical science")]


def test_same_website_links_the_rename(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    seafood = "http://www.nce-seafood-innovation-cluster.example/"
    merge(con, tmp_path, [*KEEP, row("NCE Seafood Innovation Cluster", seafood, valid_until="2018-06-16")], T0)
    figures = merge(con, tmp_path, [*KEEP, row("Seafood Innovation Cluster", seafood, valid_until="2021-06-16")], T1)
    assert (figures.added, figures.removed, figures.renamed) == (0, 0, 1)
    assert changes(con, 2) == [("renamed", "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster")]
    assert len(ids_of(con, "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster")) == 1
    current = con.execute(
        "select name, first_seen_at, valid_from from clusters_current where name like '%Seafood%'"
    ).fetchall()
    assert current == [("Seafood Innovation Cluster", T0, T1)]
    assert decisions(con) == [("NCE Seafood Innovation Cluster", "Seafood Innovation Cluster", True, "auto")]
    assert con.execute("select renamed from crawl_runs where run_id = 2").fetchall() == [(1,)]


def test_website_is_compared_without_scheme_www_and_trailing_slash(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    merge(con, tmp_path, [*KEEP, row("Digin", "http://www.digin.example/")], T0)
    figures = merge(con, tmp_path, [*KEEP, row("Digital Innovation North", "https://digin.example")], T1)
    assert figures.renamed == 1


def test_new_website_but_near_identical_name_is_linked(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [*KEEP, row("NCE Blue Maritime", "http://www.nce-blue-maritime.example/")], T0)
    figures = merge(con, tmp_path, [*KEEP, row("GCE Blue Maritime", "http://www.gce-blue-maritime.example/")], T1)
    assert figures.renamed == 1
    assert changes(con, 2) == [("renamed", "NCE Blue Maritime", "GCE Blue Maritime")]


def test_unrelated_clusters_leaving_and_arriving_are_not_linked(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [*KEEP, row("IKT Grenland", None, "ICT", "2012-12-13")], T0)
    ocean = row("Ocean Autonomy Cluster", "http://www.ocean-autonomy-cluster.example/", "Maritime technologies")
    figures = merge(con, tmp_path, [*KEEP, ocean], T1)
    assert (figures.added, figures.removed, figures.renamed) == (1, 1, 0)
    assert changes(con, 2) == [("added", None, "Ocean Autonomy Cluster"), ("removed", "IKT Grenland", None)]
    assert len(ids_of(con, "IKT Grenland", "Ocean Autonomy Cluster")) == 2
    assert decisions(con) == []


def test_one_to_many_is_ambiguous_reported_and_not_linked(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    site = "http://www.subsea.example/"
    merge(con, tmp_path, [*KEEP, row("NCE Subsea", site)], T0)
    figures = merge(con, tmp_path, [*KEEP, row("GCE Subsea", site), row("Subsea Valley", site)], T1)
    assert (figures.added, figures.removed, figures.renamed) == (2, 1, 0)
    rows = con.execute("select new_name, linked, evidence from cluster_links order by new_name").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("GCE Subsea", False), ("Subsea Valley", False)]
    assert all("ambiguous" in r[2] for r in rows)


def test_weak_evidence_is_reported_and_not_linked(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [*KEEP, row("Norwegian Fashion Hub")], T0)
    figures = merge(con, tmp_path, [*KEEP, row("Norwegian Fashion Cluster")], T1)
    assert figures.renamed == 0
    rows = con.execute("select linked, evidence from cluster_links").fetchall()
    assert len(rows) == 1 and rows[0][0] is False and "weak evidence" in rows[0][1]


def test_partial_run_decides_no_rename_and_the_overlap_is_reported(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    site = "http://www.digin.example/"
    merge(con, tmp_path, [*KEEP, row("Digin", site)], T0)
    figures = merge(con, tmp_path, [*KEEP, row("Digital Innovation North", site)], T1, complete=False)
    assert (figures.added, figures.renamed) == (1, 0)
    assert decisions(con) == []
    # the next complete run closes the old name: the pair overlaps, so it is reported, not linked
    figures = merge(con, tmp_path, [*KEEP, row("Digital Innovation North", site)], T2)
    assert (figures.removed, figures.renamed) == (1, 0)
    rows = con.execute("select run_id, linked, evidence from cluster_links").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(3, False)]
    assert "partial run 2" in rows[0][2]


def test_both_names_listed_again_breaks_the_link(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    site = "http://www.digin.example/"
    merge(con, tmp_path, [*KEEP, row("Digin", site)], T0)
    merge(con, tmp_path, [*KEEP, row("Digital Innovation North", site)], T1)
    figures = merge(con, tmp_path, [*KEEP, row("Digital Innovation North", site), row("Digin", site)], T2)
    assert len(ids_of(con, "Digin", "Digital Innovation North")) == 2
    assert con.execute("select count(*) from clusters_current").fetchall() == [(3,)]
    assert decisions(con)[-1] == ("Digin", "Digital Innovation North", False, "auto")
    assert figures.added == 1
    # the history now reads: Digin left at T1 and came back at T2; the other name is new at T1
    assert changes(con, 2) == [("added", None, "Digital Innovation North"), ("removed", "Digin", None)]


def test_link_and_unlink_by_hand_round_trip(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    seafood = "http://www.nce-seafood-innovation-cluster.example/"
    merge(con, tmp_path, [*KEEP, row("NCE Seafood Innovation Cluster", seafood)], T0)
    merge(con, tmp_path, [*KEEP, row("Seafood Innovation Cluster", seafood)], T1)
    linked = identity_state(con)
    observed = con.execute("select * exclude (cluster_id) from versions order by all").fetchall()

    decide_by_person(con, "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster", linked=False)
    assert changes(con, 2) == [
        ("added", None, "Seafood Innovation Cluster"),
        ("removed", "NCE Seafood Innovation Cluster", None),
    ]
    assert len(ids_of(con, "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster")) == 2
    assert con.execute("select first_seen_at from clusters_current where name like '%Seafood%'").fetchall() == [(T1,)]
    assert con.execute("select * exclude (cluster_id) from versions order by all").fetchall() == observed

    decide_by_person(con, "nce seafood innovation cluster", "SEAFOOD innovation cluster", linked=True)
    assert identity_state(con) == linked
    assert [d[2:] for d in decisions(con)] == [(True, "auto"), (False, "person"), (True, "person")]


def test_person_links_what_the_scoring_left_apart(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [*KEEP, row("IKT Grenland", None, "ICT")], T0)
    merge(con, tmp_path, [*KEEP, row("Digital Grenland", None, "ICT")], T1)
    decide_by_person(con, "IKT Grenland", "Digital Grenland", linked=True)
    assert changes(con, 2) == [("renamed", "IKT Grenland", "Digital Grenland")]
    with pytest.raises(IdentityRefused, match="unlink that pair first"):
        decide_by_person(con, "Oslo Medtech", "Digital Grenland", linked=True)


def test_person_cannot_link_overlapping_names(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [*KEEP, row("IKT Grenland")], T0)
    merge(con, tmp_path, [*KEEP, row("IKT Grenland"), row("Digital Grenland")], T1)
    with pytest.raises(IdentityRefused, match="still listed"):
        decide_by_person(con, "IKT Grenland", "Digital Grenland", linked=True)
    with pytest.raises(IdentityRefused, match="not linked"):
        decide_by_person(con, "IKT Grenland", "Digital Grenland", linked=False)
    with pytest.raises(IdentityRefused, match="no country"):
        decide_by_person(con, "IKT Grenland", "Nowhere Cluster", linked=True)


def test_replay_honours_a_persons_decision(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    site = "http://www.digin.example/"
    runs = [[*KEEP, row("Digin", site)], [*KEEP, row("Digital Innovation North", site)]]
    for rows, at in zip(runs, (T0, T1), strict=True):
        merge(con, tmp_path, rows, at)
    decide_by_person(con, "Digin", "Digital Innovation North", linked=False)
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


def test_programme_prefix_is_dropped_for_the_name_score() -> None:
    assert core_name("nce seafood innovation cluster") == "seafood innovation cluster"
    assert core_name("arena") == "arena"
    assert name_similarity("nce seafood innovation cluster", "seafood innovation cluster") == 100
    assert name_similarity("ikt grenland", "ocean autonomy cluster") < 50


def test_pairing_finds_exactly_the_pairs_a_full_comparison_would_score(tmp_path: Path) -> None:
    rng = random.Random(5)
    words = ["Ocean", "Tech", "Energy", "Bio", "Food", "Smart", "Cluster", "Valley", "Green", "Digital", "Health"]

    def name() -> str:
        prefix = rng.choice(["", "", "NCE ", "Arena ", "GCE "])
        return prefix + " ".join(rng.choice(words) for _ in range(rng.randint(1, 4))) + rng.choice(["", "!", " AS"])

    def side(count: int, country: str, tag: str) -> list[dict[str, Any]]:
        rows = []
        for i in range(count):
            n = name() + f" {tag}{i % 3}"
            rows.append(
                {"country_key": country, "name_key": name_key(n), "cluster_id": f"{tag}{i}", "name": n,
                 "portfolio": "ICT", "valid_until": dt.date(2025, 1, 1),
                 "site": rng.choice([None, "a.example", "b.example", f"{tag}{i}.example"]),
                 "new_in_run": True, "first_run_id": 2}
            )  # fmt: skip
        return list({r["name_key"]: r for r in rows}.values())

    departing = side(40, "no", "o") + side(10, "se", "o")
    arriving = side(40, "no", "n") + side(10, "dk", "n")
    person = {("no", departing[0]["name_key"], arriving[0]["name_key"])}
    expected = {
        (d["country_key"], d["name_key"], a["name_key"])
        for d in departing
        for a in arriving
        if d["country_key"] == a["country_key"]
        and (
            name_similarity(d["name_key"], a["name_key"]) >= NAME_WEAK
            or (d["site"] is not None and d["site"] == a["site"])
            or (d["country_key"], d["name_key"], a["name_key"]) in person
        )
    }
    found = pair_candidates(departing, arriving, person)
    keys = [(c.country_key, c.old_name_key, c.new_name_key) for c in found]
    assert keys == sorted(expected)
    # the sample holds pairs of each kind, and some pairs left out
    assert 0 < len(expected) < 40 * 40
    assert any(name_similarity(c.old_name_key, c.new_name_key) < NAME_WEAK for c in found)


def test_decisions_are_ordered_and_repeatable() -> None:
    def cand(old: str, new: str, site: str | None) -> Candidate:
        return Candidate("no", old, new, "id-" + old, "id-" + new, old, new, site, site, True, True)

    pairs = [cand("a cluster", "b cluster", "b.example"), cand("c", "d", None)]
    first = decide(pairs)
    assert [(d.candidate.new_name, d.linked) for d in first] == [("b cluster", True)]
    assert decide(pairs) == first


def test_migration_keeps_the_changes_of_an_older_warehouse(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute(sql_file("migrations/001_init.sql"))
        old.execute("create table schema_migrations (version integer primary key, name varchar, applied_at timestamp)")
        old.execute("insert into schema_migrations values (1, '001_init.sql', now())")
        old.execute("insert into runs (started_at, status, start_url) values (?, 'ok', 'http://x/')", [T0])
        old.execute(
            "insert into changes (run_id, cluster_id, change, country, country_id, name) "
            "values (1, 'c', 'removed', 'Norway', 'n', 'A')"
        )
    con = connect(path)
    assert con.execute("select change, name, changed_at from cluster_changes").fetchall() == [("removed", "A", T0)]
    assert con.execute("select renamed from crawl_runs").fetchall() == [(0,)]
    con.execute(
        "insert into changes (run_id, cluster_id, change, country, country_id, name) "
        "values (1, 'c', 'renamed', 'Norway', 'n', 'B')"
    )
    with pytest.raises(duckdb.ConstraintException):
        con.execute(
            "insert into changes (run_id, cluster_id, change, country, country_id, name) "
            "values (1, 'c', 'vanished', 'Norway', 'n', 'B')"
        )
    con.close()


def test_changes_derived_from_versions_are_what_the_merges_wrote(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    site = "http://www.digin.example/"
    runs = [
        [*KEEP, row("Digin", site), row("IKT Grenland", None, "ICT")],
        [*KEEP, row("Digital Innovation North", site, valid_until="2027-01-01"), row("IKT Grenland", None, "ICT")],
        [row("Oslo MedTech", "http://www.oslo-medtech.example/", "Health and medical science")],
        [*KEEP, row("IKT Grenland", None, "ICT")],
    ]
    for i, rows in enumerate(runs):
        merge(con, tmp_path, rows, T0 + dt.timedelta(days=i))
    written = con.execute("select * from changes order by all").fetchall()
    assert {r[2] for r in written} == {"added", "changed", "removed", "renamed"}
    con.execute("create or replace temp table touched as select distinct cluster_id from versions")
    con.execute(sql_file("changes_from_versions.sql"))
    assert con.execute("select * from changes order by all").fetchall() == written
