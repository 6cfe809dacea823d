"""How a person's words find a country or a cluster: one rule for every command that takes them.

People type names without their accents, with a straight apostrophe for the site's curly one, in any
case. `search_key` is the form both sides are compared in; it is looser than the identity key
(pipelines.keys.name_key), which decides what is one cluster, and is used only to find. A name that
finds nothing gets the nearest names the warehouse holds (rapidfuzz), to show the person instead.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ecei.outcome import Refused
from pipelines.keys import country_key

# the apostrophes, quotes and dashes a name is written with on the site or on a keyboard
_FOLD = str.maketrans(
    {
        "\N{RIGHT SINGLE QUOTATION MARK}": "'",
        "\N{LEFT SINGLE QUOTATION MARK}": "'",
        "\N{MODIFIER LETTER APOSTROPHE}": "'",
        "\N{GRAVE ACCENT}": "'",
        "\N{ACUTE ACCENT}": "'",
        "\N{PRIME}": "'",
        "\N{LEFT DOUBLE QUOTATION MARK}": '"',
        "\N{RIGHT DOUBLE QUOTATION MARK}": '"',
        "\N{EN DASH}": "-",
        "\N{EM DASH}": "-",
        "\N{HYPHEN}": "-",
        "\N{NON-BREAKING HYPHEN}": "-",
        # letters that carry no separable accent (NFKD keeps them): written as a keyboard without them would
        "\N{LATIN SMALL LETTER L WITH STROKE}": "l",
        "\N{LATIN CAPITAL LETTER L WITH STROKE}": "L",
        "\N{LATIN SMALL LETTER O WITH STROKE}": "o",
        "\N{LATIN CAPITAL LETTER O WITH STROKE}": "O",
        "\N{LATIN SMALL LETTER AE}": "ae",
        "\N{LATIN CAPITAL LETTER AE}": "AE",
        "\N{LATIN SMALL LETTER SHARP S}": "ss",
        "\N{LATIN SMALL LETTER D WITH STROKE}": "d",
        "\N{LATIN CAPITAL LETTER D WITH STROKE}": "D",
    }
)


@lru_cache(maxsize=1 << 17)  # a subscriptions run compares every alert's country with every subscriber's
def search_key(text: str) -> str:
    """`text` as it is compared when searching: no accents, one apostrophe form, no case, single spaces."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def known_countries(con: Any) -> list[tuple[str, str]]:
    """(country, country_id) of every country the warehouse ever listed, by name."""
    found: list[tuple[str, str]] = con.execute(
        "select distinct country, country_id from cluster_history order by country, country_id"
    ).fetchall()
    return found


def resolve_country(con: Any, given: str, countries: list[tuple[str, str]] | None = None) -> list[str]:
    """The country ids `given` names (a country's name, accents and case aside, or its id, dashes
    aside); Refused listing the known countries when it names none. `countries`: known_countries(con),
    when the caller resolves many."""
    countries = known_countries(con) if countries is None else countries
    wanted_name, wanted_id = search_key(given), country_key(given)
    ids = sorted({i for name, i in countries if search_key(name) == wanted_name or country_key(i) == wanted_id})
    if not ids:
        listed = ", ".join(sorted({name for name, _ in countries})) or "none yet"
        raise Refused(f"no country {given!r} in the warehouse; known countries: {listed}")
    return ids


@dataclass(frozen=True)
class Listed:
    """A name a cluster was listed under, in its country."""

    cluster_id: str
    name: str
    country: str
    country_id: str


def listed_names(con: Any) -> list[Listed]:
    """Every (cluster, name, country) the warehouse ever listed, by country and name."""
    rows = con.execute(
        "select distinct cluster_id, name, country, country_id from cluster_history order by country, name, cluster_id"
    ).fetchall()
    return [Listed(*r) for r in rows]


def find_clusters(con: Any, name: str, country: str | None = None) -> list[str]:
    """Ids of the clusters ever listed under a name that reads as `name` (search_key: accents,
    apostrophe forms, case and spacing aside), only in `country` when given (resolve_country:
    Refused listing the known countries when it names none)."""
    in_countries = set(resolve_country(con, country)) if country is not None else None
    wanted = search_key(name)
    return sorted(
        {
            n.cluster_id
            for n in listed_names(con)
            if search_key(n.name) == wanted and (in_countries is None or n.country_id in in_countries)
        }
    )


NEAREST = 5
NEAREST_SCORE = 60  # rapidfuzz WRatio, 0-100: below it a name shares too little with the one typed
# a typo: the whole name alike at this rapidfuzz ratio (0-100) or more, and no other cluster within the margin
TYPO_SCORE = 90
TYPO_MARGIN = 10
PART_LENGTH = 3  # fewer letters than this are no part of a name worth searching by


@dataclass(frozen=True)
class Candidate:
    """A cluster a person may have meant: every name it was listed under (the latest first), its country."""

    cluster_id: str
    names: tuple[str, ...]
    country: str

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class Found:
    """What a typed name finds. `how`: `name` (a name it was listed under, as typed), `part` (a part of
    the names of one cluster), `parts` (of several: none is shown), `typo` (one name nearly as typed) or
    `none`; `cluster_ids` what to show; `candidates` the clusters meant, each once, best first."""

    how: str
    cluster_ids: list[str]
    candidates: list[Candidate]


def match_clusters(con: Any, name: str, country: str | None = None) -> Found:
    """The clusters `name` finds, in `country` when given (an unknown one: Refused listing the known):
    a name listed as typed (find_clusters); else a part of a name, found when one cluster has it; else
    a name alike but for a typo, found when no other cluster comes near. Otherwise the candidates: the
    clusters with the part, or the nearest ones in every country, so a name typed with the wrong country
    is found in its own."""
    exact = find_clusters(con, name, country)
    if exact:
        return Found("name", exact, _candidates(con, exact))
    in_countries = set(resolve_country(con, country)) if country is not None else None
    listed = [n for n in listed_names(con) if in_countries is None or n.country_id in in_countries]
    wanted = search_key(name)
    if len(wanted) >= PART_LENGTH:
        having = sorted({n.cluster_id for n in listed if wanted in search_key(n.name)})
        if len(having) == 1:
            return Found("part", having, _candidates(con, having))
        if having:
            by_name = sorted(_candidates(con, having), key=lambda c: (c.country, search_key(c.name)))
            return Found("parts", [], by_name)
    typo = _typo(listed, wanted)
    if typo is not None:
        return Found("typo", [typo], _candidates(con, [typo]))
    return Found("none", [], _candidates(con, nearest_clusters(con, name)))


def _typo(listed: list[Listed], wanted: str) -> str | None:
    """The one cluster whose name reads as `wanted` but for a typo, if no other comes near."""
    from rapidfuzz import fuzz  # only a miss needs it

    best: dict[str, float] = {}
    for n in listed:
        best[n.cluster_id] = max(best.get(n.cluster_id, 0.0), fuzz.ratio(wanted, search_key(n.name)))
    ranked = sorted(best.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < TYPO_SCORE:
        return None
    if len(ranked) > 1 and ranked[1][1] > ranked[0][1] - TYPO_MARGIN:
        return None
    return ranked[0][0]


def nearest_clusters(con: Any, name: str, limit: int = NEAREST) -> list[str]:
    """Ids of the clusters whose names are nearest to `name` (rapidfuzz WRatio, in their search form),
    best first, each once however many of its names come near; in every country."""
    from rapidfuzz import fuzz, process  # only a miss needs it

    listed = sorted(listed_names(con), key=lambda n: (n.country, n.name, n.cluster_id))
    keys = {i: search_key(n.name) for i, n in enumerate(listed)}
    hits = process.extract(search_key(name), keys, scorer=fuzz.WRatio, limit=None, score_cutoff=NEAREST_SCORE)
    ranked = sorted(hits, key=lambda hit: (-hit[1], hit[2]))  # ties in (country, name) order
    return list(dict.fromkeys(listed[i].cluster_id for _, _, i in ranked))[:limit]


def _candidates(con: Any, cluster_ids: list[str]) -> list[Candidate]:
    """These clusters, in this order, each with every name it was listed under, the latest first."""
    rows = con.execute(
        "select cluster_id, name, country from cluster_history where cluster_id in (select unnest($ids::varchar[])) "
        "group by all order by max(valid_from) desc, name",
        {"ids": cluster_ids},
    ).fetchall()
    names: dict[str, list[str]] = {}
    countries: dict[str, str] = {}
    for cluster_id, name, country in rows:
        names.setdefault(cluster_id, []).append(name)
        countries.setdefault(cluster_id, country)
    return [Candidate(i, tuple(names[i]), countries[i]) for i in cluster_ids if i in names]
