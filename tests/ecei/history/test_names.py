"""Finding a country or a cluster by the words a person types, in a real warehouse."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ecei.history.names import NEAREST, find_clusters, match_clusters, nearest_clusters, resolve_country, search_key
from ecei.outcome import Refused
from tests.warehouse.staged_runs import T0, merge, row
from warehouse.db import connect


@pytest.mark.parametrize(
    ("typed", "published"),
    [
        ("cluster d'innovation", "Cluster d\N{RIGHT SINGLE QUOTATION MARK}Innovation"),
        ("oresund", "\N{LATIN CAPITAL LETTER O WITH DIAERESIS}resund"),
        ("lodz", "\N{LATIN CAPITAL LETTER L WITH STROKE}\N{LATIN SMALL LETTER O WITH ACUTE}dz"),
        ("sor-norge", "S\N{LATIN SMALL LETTER O WITH STROKE}r\N{EN DASH}Norge"),
        ("malaga  tech", "M\N{LATIN SMALL LETTER A WITH ACUTE}laga Tech"),
        ("bm3", "BM\N{SUPERSCRIPT THREE}"),
    ],
)
def test_a_name_is_found_without_its_accents_apostrophes_or_case(typed, published):
    assert search_key(typed) == search_key(published)


def test_a_country_is_found_by_name_or_id_and_an_unknown_one_lists_the_known(tmp_path: Path):
    con = connect(tmp_path / "w.duckdb")
    merge(con, tmp_path, [row("A", country_id="9e12-d7ea")], T0)
    assert resolve_country(con, " norway ") == ["9e12-d7ea"]
    assert resolve_country(con, "9E12D7EA") == ["9e12-d7ea"]
    with pytest.raises(Refused, match=r"no country 'Norvège'.*known countries: Norway"):
        resolve_country(con, "Norvège")


# --- clusters by name, in the demo history (its real awkward names: curly apostrophes, accents, BM³) ---


@pytest.fixture(scope="module")
def con(dated_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(dated_db), read_only=True) as c:
        yield c


def ids_named(con: duckdb.DuckDBPyConnection, published: str) -> list[str]:
    return [
        r[0]
        for r in con.execute("select distinct cluster_id from cluster_history where name = ?", [published]).fetchall()
    ]


@pytest.mark.parametrize(
    ("typed", "published"),
    [
        (
            "agrupacio d'empreses innovadores textils",
            "Agrupació d\N{RIGHT SINGLE QUOTATION MARK}Empreses Innovadores Tèxtils",
        ),
        ("AEI AUTOMOCION DE LA RIOJA", "AEI Automoción de la Rioja"),
        ("aera - cluster aeronautico aragones", "AERA - Cluster Aeronautico Aragonés"),
        (
            "bm3 mazovian cluster of materials technology and engineering",
            "BM\N{SUPERSCRIPT THREE} Mazovian Cluster of Materials Technology and Engineering",
        ),
        ("  arena\u00a0LEGASEA ", "Arena Legasea"),
    ],
)
def test_a_name_typed_on_a_keyboard_finds_the_site_s_own(con: duckdb.DuckDBPyConnection, typed: str, published: str):
    found = ids_named(con, published)
    assert len(found) == 1
    assert find_clusters(con, typed) == found


def test_every_listed_name_is_found_typed_without_accents_or_curly_apostrophes(con: duckdb.DuckDBPyConnection):
    names = [r[0] for r in con.execute("select distinct name from cluster_history").fetchall()]
    assert any("\N{RIGHT SINGLE QUOTATION MARK}" in n for n in names) and any(not n.isascii() for n in names)
    for published in names:
        # as a keyboard without accents writes it: accents dropped, a straight apostrophe, any case
        plain = "".join(c for c in unicodedata.normalize("NFKD", published) if not unicodedata.combining(c))
        typed = plain.replace("\N{RIGHT SINGLE QUOTATION MARK}", "'").swapcase()
        assert set(ids_named(con, published)) <= set(find_clusters(con, typed)), published


def test_a_country_narrows_the_names_and_an_unknown_one_is_refused(con: duckdb.DuckDBPyConnection):
    (spain,) = {r[0] for r in con.execute("select country_id from cluster_history where country = 'Spain'").fetchall()}
    published = "Agrupació d\N{RIGHT SINGLE QUOTATION MARK}Empreses Innovadores Tèxtils"
    assert find_clusters(con, published, country="spain") == ids_named(con, published)
    assert find_clusters(con, published, country=spain.upper()) == ids_named(con, published)
    assert find_clusters(con, published, country="Norway") == []
    with pytest.raises(Refused, match=r"no country 'Espana'.*known countries: Italy, Norway, Poland, Spain"):
        find_clusters(con, published, country="Espana")


SEAFOOD = ("Seafood Innovation Cluster", "NCE Seafood Innovation Cluster")  # the latest name first


def test_a_miss_gets_the_nearest_clusters_best_first_each_once(con: duckdb.DuckDBPyConnection):
    assert ids_named(con, "Arena Legasea") == nearest_clusters(con, "arena legsea")[:1]
    agrupacio = "Agrupació d\N{RIGHT SINGLE QUOTATION MARK}Empreses Innovadores Tèxtils"
    assert ids_named(con, agrupacio) == nearest_clusters(con, "agrupacio textils")[:1]
    # one cluster listed under two names comes once, not once a name
    seafood = nearest_clusters(con, "seafood")
    assert seafood[0] == ids_named(con, SEAFOOD[1])[0] and len(set(seafood)) == len(seafood)
    assert len(nearest_clusters(con, "arena")) == NEAREST
    assert nearest_clusters(con, "arena", limit=2) == nearest_clusters(con, "arena")[:2]
    assert nearest_clusters(con, "zzzz qqq") == []  # nothing near enough: no cluster is suggested for the sake of it


@pytest.mark.parametrize(
    ("typed", "how", "meant"),
    [
        ("Seafood Innovation Cluster", "name", SEAFOOD[1]),
        ("seafood", "part", SEAFOOD[1]),  # a part of both names of one cluster: that cluster
        ("Seafod Innovation Cluster", "typo", SEAFOOD[1]),
        ("NCE Seafod Innovation Cluster", "typo", SEAFOOD[1]),
        ("arena legsea", "typo", "Arena Legasea"),
        ("bm3 mazovian", "part", "BM\N{SUPERSCRIPT THREE} Mazovian Cluster of Materials Technology and Engineering"),
    ],
)
def test_a_part_or_a_typo_finds_the_one_cluster_meant(con: duckdb.DuckDBPyConnection, typed, how, meant):
    found = match_clusters(con, typed)
    assert (found.how, found.cluster_ids) == (how, ids_named(con, meant))
    (candidate,) = found.candidates
    assert meant in candidate.names


def test_one_cluster_under_two_names_is_one_candidate_with_both(con: duckdb.DuckDBPyConnection):
    (candidate,) = match_clusters(con, "seafood").candidates
    assert candidate.names == SEAFOOD  # the latest name first
    assert candidate.country == "Norway"


def test_words_that_fit_several_clusters_show_none_and_list_each(con: duckdb.DuckDBPyConnection):
    found = match_clusters(con, "arena")
    assert found.how == "parts" and found.cluster_ids == []
    names = [c.name for c in found.candidates]
    assert len(names) == len({c.cluster_id for c in found.candidates}) >= 10
    assert names == sorted(names, key=search_key) and all("arena" in search_key(n) for n in names)
    # two names a typo away from each other: neither is chosen for the person
    assert match_clusters(con, "Arena Smart Grid Services").how == "part"
    assert match_clusters(con, "Seafod Inovation").how == "none"


def test_a_country_narrows_the_parts_and_typos(con: duckdb.DuckDBPyConnection):
    assert match_clusters(con, "seafood", country="Spain").cluster_ids == []
    assert match_clusters(con, "arena legsea", country="Norway").how == "typo"
