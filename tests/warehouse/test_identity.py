"""Rename decisions on hand-made staged runs: what is linked, what is not, and why.

A person's link and unlink are tested with their use case, in tests/ecei/history/test_identity.py.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.keys import name_key
from tests.warehouse.identity_runs import KEEP, T0, T1, T2, changes, decisions, ids_of, merge, row
from warehouse.db import connect, sql_file
from warehouse.identity import NAME_WEAK, Candidate, core_name, decide, name_similarity, pair_candidates


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def test_same_website_links_the_rename(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    seafood = "http://www.nce-seafood-innovation-cluster.example/"
    merge(con, tmp_path, [*KEEP, row("NCE Seafood Innovation Cluster", seafood, valid_until="2018-06-16")], T0)
    figures = merge(con, tmp_path, [*KEEP, row("Seafood Innovation Cluster", seafood, valid_until="2021-06-16")], T1)
    assert (figures["added"], figures["removed"], figures["renamed"]) == (0, 0, 1)
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
    assert figures["renamed"] == 1


def test_new_website_but_near_identical_name_is_linked(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [*KEEP, row("NCE Blue Maritime", "http://www.nce-blue-maritime.example/")], T0)
    figures = merge(con, tmp_path, [*KEEP, row("GCE Blue Maritime", "http://www.gce-blue-maritime.example/")], T1)
    assert figures["renamed"] == 1
    assert changes(con, 2) == [("renamed", "NCE Blue Maritime", "GCE Blue Maritime")]


def test_unrelated_clusters_leaving_and_arriving_are_not_linked(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [*KEEP, row("IKT Grenland", None, "ICT", "2012-12-13")], T0)
    ocean = row("Ocean Autonomy Cluster", "http://www.ocean-autonomy-cluster.example/", "Maritime technologies")
    figures = merge(con, tmp_path, [*KEEP, ocean], T1)
    assert (figures["added"], figures["removed"], figures["renamed"]) == (1, 1, 0)
    assert changes(con, 2) == [("added", None, "Ocean Autonomy Cluster"), ("removed", "IKT Grenland", None)]
    assert len(ids_of(con, "IKT Grenland", "Ocean Autonomy Cluster")) == 2
    assert decisions(con) == []


def test_one_to_many_is_ambiguous_reported_and_not_linked(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    site = "http://www.subsea.example/"
    merge(con, tmp_path, [*KEEP, row("NCE Subsea", site)], T0)
    figures = merge(con, tmp_path, [*KEEP, row("GCE Subsea", site), row("Subsea Valley", site)], T1)
    assert (figures["added"], figures["removed"], figures["renamed"]) == (2, 1, 0)
    rows = con.execute("select new_name, linked, evidence from cluster_links order by new_name").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("GCE Subsea", False), ("Subsea Valley", False)]
    assert all("ambiguous" in r[2] for r in rows)


def test_weak_evidence_is_reported_and_not_linked(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    merge(con, tmp_path, [*KEEP, row("Norwegian Fashion Hub")], T0)
    figures = merge(con, tmp_path, [*KEEP, row("Norwegian Fashion Cluster")], T1)
    assert figures["renamed"] == 0
    rows = con.execute("select linked, evidence from cluster_links").fetchall()
    assert len(rows) == 1 and rows[0][0] is False and "weak evidence" in rows[0][1]


def test_partial_run_decides_no_rename_and_the_overlap_is_reported(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    site = "http://www.digin.example/"
    merge(con, tmp_path, [*KEEP, row("Digin", site)], T0)
    figures = merge(con, tmp_path, [*KEEP, row("Digital Innovation North", site)], T1, complete=False)
    assert (figures["added"], figures["renamed"]) == (1, 0)
    assert decisions(con) == []
    # the next complete run closes the old name: the pair overlaps, so it is reported, not linked
    figures = merge(con, tmp_path, [*KEEP, row("Digital Innovation North", site)], T2)
    assert (figures["removed"], figures["renamed"]) == (1, 0)
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
    assert figures["added"] == 1
    # the history now reads: Digin left at T1 and came back at T2; the other name is new at T1
    assert changes(con, 2) == [("added", None, "Digital Innovation North"), ("removed", "Digin", None)]
    # run 2's figures count its changes as the history now has them: no rename (one answer, issue 21)
    counted = con.execute("select added, changed, removed, renamed from crawl_runs where run_id = 2").fetchall()
    assert counted == [(1, 0, 1, 0)]


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
    # the kinds are change_of's (migration 015 dropped the CHECK: tests/ecei/test_change_kinds.py holds them)
    assert con.execute("select list(change order by name) from cluster_changes").fetchone() == (["removed", "renamed"],)
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
