"""Cluster identity across renames: decide, record and apply links between an old and a new name.

The site publishes no id, so a cluster's key is (country, name). When a complete run closes some
clusters and meets names it has never seen in the same country, each such pair is a rename
candidate (gathered in `identity_candidates.sql`) and scored here with rapidfuzz. A linked pair
gives the new name the old name's `cluster_id`, so the history goes on under one id.

Every decision is a row of `cluster_links`; the latest row per pair is in force
(`cluster_link_decisions`). Automatic decisions depend only on the warehouse and the staged run,
and are dated by the run's start, so a replay of the same runs makes the same decisions. A
person's decision (`ecei link` / `ecei unlink`, whose rules live in ecei/history/identity.py) is recorded
here, honoured by later merges of the same pair and applied to the history by `resolve_identity`,
which rewrites identity columns only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
from rapidfuzz import fuzz, process, utils

from warehouse.db import sql_file

# Norwegian cluster programme levels, which a cluster's name gains or drops as it moves between them
PROGRAMME_PREFIXES = ("nce", "gce", "arena")
NAME_LINK = 90.0  # token ratio (0-100) at or above which a name is near-identical
NAME_WEAK = 70.0  # below this a pair is not worth reporting

# the columns of cluster_links a decision fills, with their types
_LINK_COLUMNS = {
    "run_id": "integer",
    "country_key": "varchar",
    "old_name_key": "varchar",
    "new_name_key": "varchar",
    "old_name": "varchar",
    "new_name": "varchar",
    "old_cluster_id": "varchar",
    "new_cluster_id": "varchar",
    "evidence": "varchar",
    "score": "double",
    "decided_by": "varchar",
    "linked": "boolean",
    "decided_at": "timestamp",
}


@dataclass
class Candidate:
    """A departing and an arriving cluster of one country in one run."""

    country_key: str
    old_name_key: str
    new_name_key: str
    old_cluster_id: str
    new_cluster_id: str
    old_name: str
    new_name: str
    old_site: str | None
    new_site: str | None
    same_portfolio: bool
    same_label_date: bool
    # False when the new name first appeared in a partial run since the last complete one, while
    # the old name stayed listed: the two overlap, so they cannot be one cluster's history
    new_in_run: bool = True
    first_run_id: int | None = None


@dataclass
class Decision:
    """What was decided for one candidate pair, and why."""

    candidate: Candidate
    linked: bool
    score: float | None
    evidence: str
    decided_by: str = "auto"


def core_name(key: str) -> str:
    """A name key without its programme prefix: `nce seafood innovation cluster` -> `seafood ...`."""
    words = key.split()
    while len(words) > 1 and words[0] in PROGRAMME_PREFIXES:
        words = words[1:]
    return " ".join(words)


def name_similarity(old_key: str, new_key: str) -> float:
    """0-100: token-sorted ratio of the names with programme prefixes dropped."""
    return float(fuzz.token_sort_ratio(core_name(old_key), core_name(new_key), processor=utils.default_process))


def score(c: Candidate) -> tuple[float, str, str]:
    """(score 0-1, evidence for a person to read, strength: 'strong' | 'weak' | 'none')."""
    same_site = c.old_site is not None and c.old_site == c.new_site
    name = name_similarity(c.old_name_key, c.new_name_key)
    value = 0.6 * same_site + 0.3 * name / 100 + 0.05 * c.same_portfolio + 0.05 * c.same_label_date
    parts = [f"same website {c.old_site}" if same_site else "websites differ or missing", f"name {name:.0f}"]
    parts.append("same portfolio" if c.same_portfolio else "portfolio differs")
    parts.append("same label date" if c.same_label_date else "label date differs")
    if same_site or (name >= NAME_LINK and c.same_portfolio):
        strength = "strong"
    elif name >= NAME_WEAK:
        strength = "weak"
    else:
        strength = "none"
    return round(value, 3), "; ".join(parts), strength


def decide(candidates: list[Candidate], person: dict[tuple[str, str, str], bool] | None = None) -> list[Decision]:
    """Decide every candidate pair worth recording, in a stable order.

    A pair is linked when its evidence is strong and neither its old nor its new name has another
    strong candidate; one-to-many is ambiguous and weak evidence is never enough: both are
    recorded unlinked, for a person to settle. A person's decision in force for a pair wins.
    """
    person = person or {}
    scored = [(c, *score(c)) for c in candidates]
    strong = [c for c, _, _, strength in scored if strength == "strong"]
    per_old: dict[tuple[str, str], int] = {}
    per_new: dict[tuple[str, str], int] = {}
    for c in strong:
        per_old[(c.country_key, c.old_name_key)] = per_old.get((c.country_key, c.old_name_key), 0) + 1
        per_new[(c.country_key, c.new_name_key)] = per_new.get((c.country_key, c.new_name_key), 0) + 1
    decisions = []
    for c, value, evidence, strength in scored:
        pair = (c.country_key, c.old_name_key, c.new_name_key)
        if pair in person and c.new_in_run:
            decisions.append(Decision(c, person[pair], value, "as decided by a person", "person"))
            continue
        if strength == "none":
            continue
        if strength == "weak":
            decisions.append(Decision(c, False, value, evidence + "; weak evidence: not linked"))
            continue
        olds, news = per_old[(c.country_key, c.old_name_key)], per_new[(c.country_key, c.new_name_key)]
        if olds > 1 or news > 1:
            why = f"ambiguous: the old name has {olds} strong candidates, the new name {news}; not linked"
            decisions.append(Decision(c, False, value, f"{evidence}; {why}"))
            continue
        if not c.new_in_run:
            why = (
                f"the new name first appeared in partial run {c.first_run_id}, while the old one stayed "
                "listed: the two overlap; not linked"
            )
            decisions.append(Decision(c, False, value, f"{evidence}; {why}"))
            continue
        decisions.append(Decision(c, True, value, evidence))
    return decisions


def _person_decisions(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], bool]:
    rows = con.execute(
        "select country_key, old_name_key, new_name_key, linked from cluster_link_decisions where decided_by = 'person'"
    ).fetchall()
    return {(r[0], r[1], r[2]): bool(r[3]) for r in rows}


def record(con: duckdb.DuckDBPyConnection, run_id: int, decided_at: dt.datetime, decisions: list[Decision]) -> None:
    """Append decisions to cluster_links."""
    if not decisions:
        return
    values = [
        [
            run_id,
            d.candidate.country_key,
            d.candidate.old_name_key,
            d.candidate.new_name_key,
            d.candidate.old_name,
            d.candidate.new_name,
            d.candidate.old_cluster_id,
            d.candidate.new_cluster_id,
            d.evidence,
            d.score,
            d.decided_by,
            d.linked,
            decided_at,
        ]
        for d in decisions
    ]
    columns = ", ".join(_LINK_COLUMNS)
    # one statement for all rows: executemany costs a round trip per decision
    unnested = ", ".join(f"unnest(${i + 1}::{kind}[])" for i, kind in enumerate(_LINK_COLUMNS.values()))
    con.execute(
        f"insert into cluster_links ({columns}) select {unnested}", [list(c) for c in zip(*values, strict=True)]
    )


def break_conflicts(con: duckdb.DuckDBPyConnection, run_id: int, observed_at: dt.datetime) -> int:
    """Unlink pairs whose old and new names are both listed in this run: they are two clusters.

    Runs inside the merge's transaction, before merge_delta.sql, with `stage_rows` filled. Without
    it, two staged rows would share one cluster_id and the merge would open two current versions
    for it. Returns how many links were broken.
    """
    rows = con.execute(sql_file("identity_conflicts.sql")).fetchall()
    if not rows:
        return 0
    decisions = [
        Decision(
            Candidate(
                country,
                old_key,
                new_key,
                old_id,
                new_id,
                old_name,
                new_name,
                old_site=None,
                new_site=None,
                same_portfolio=False,
                same_label_date=False,
            ),
            linked=False,
            score=0.0,
            evidence=f"both names listed in run {run_id}: two clusters, not one; unlinked",
        )
        for country, old_key, new_key, old_id, new_id, old_name, new_name in rows
    ]
    record(con, run_id, observed_at, decisions)
    resolve_identity(con)
    return len(rows)


def _comparable(key: str) -> str:
    """A name key as `name_similarity` compares it, its words already sorted, computed once per name.

    `fuzz.ratio` of two such strings is `name_similarity` of the keys: token_sort_ratio is the
    ratio of the sorted words, and sorting each name once instead of once per pair is most of the
    saving when thousands of names leave and arrive.
    """
    return " ".join(sorted(utils.default_process(core_name(key)).split()))


def pair_candidates(
    departing: list[dict[str, Any]], arriving: list[dict[str, Any]], person: set[tuple[str, str, str]]
) -> list[Candidate]:
    """The pairs of a departing and an arriving name of one country that may be decided.

    Every other pair scores `none` and is neither linked nor recorded, so only pairs with the same
    website, a name score of at least NAME_WEAK or a person's decision are built: rapidfuzz's
    `extract` finds the names within a country in compiled code, so a run with thousands of names
    leaving and arriving costs milliseconds, not a Python loop over every pair.
    """
    leaving: dict[str, list[dict[str, Any]]] = {}
    for d in departing:
        leaving.setdefault(d["country_key"], []).append(d)
    coming: dict[str, list[dict[str, Any]]] = {}
    for a in arriving:
        coming.setdefault(a["country_key"], []).append(a)
    found: dict[tuple[str, str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
    for country, olds in leaving.items():
        news = coming.get(country, [])
        if not news:
            continue
        choices = [_comparable(a["name_key"]) for a in news]
        by_site: dict[str, list[dict[str, Any]]] = {}
        for a in news:
            if a["site"] is not None:
                by_site.setdefault(a["site"], []).append(a)
        by_name = {a["name_key"]: a for a in news}
        for d in olds:
            hits = process.extract(
                _comparable(d["name_key"]), choices, scorer=fuzz.ratio, processor=None,
                score_cutoff=NAME_WEAK, limit=None,
            )  # fmt: skip
            paired = [news[i] for _, _, i in hits]
            if d["site"] is not None:
                paired += by_site.get(d["site"], [])
            paired += [by_name[n] for (c, o, n) in person if c == country and o == d["name_key"] and n in by_name]
            for a in paired:
                found[(country, d["name_key"], a["name_key"])] = (d, a)
    return [
        Candidate(
            country_key=key[0],
            old_name_key=d["name_key"],
            new_name_key=a["name_key"],
            old_cluster_id=d["cluster_id"],
            new_cluster_id=a["cluster_id"],
            old_name=d["name"],
            new_name=a["name"],
            old_site=d["site"],
            new_site=a["site"],
            same_portfolio=d["portfolio"] == a["portfolio"],
            same_label_date=d["valid_until"] == a["valid_until"],
            new_in_run=a["new_in_run"],
            first_run_id=a["first_run_id"],
        )
        for key, (d, a) in sorted(found.items())
    ]


def _fetch(con: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, Any]]:
    cur = con.execute(query)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def link_renames(con: duckdb.DuckDBPyConnection, run_id: int, observed_at: dt.datetime) -> None:
    """Decide this complete run's renames; each linked new name takes its old name's cluster_id.

    Runs inside the merge's transaction, between merge_delta.sql and merge.sql: a link sets the
    new name's `key_cluster_id` in `delta`, which merge.sql then records in cluster_keys. Only a
    complete run knows which clusters left, so only a complete run decides renames.
    """
    con.execute(sql_file("identity_candidates.sql"))
    departing = _fetch(con, "select * from departing")
    arriving = _fetch(con, "select * from arriving")
    for table in ("departing", "arriving"):
        con.execute(f"drop table if exists temp.{table}")
    if not departing or not arriving:
        return
    person = _person_decisions(con)
    candidates = pair_candidates(departing, arriving, set(person))
    if not candidates:
        return
    decisions = decide(candidates, person)
    record(con, run_id, observed_at, [d for d in decisions if d.decided_by == "auto"])
    linked = [d.candidate for d in decisions if d.linked and d.candidate.new_in_run]
    # a person may have linked a pair the scoring would have called ambiguous: one link per name
    taken_old: set[tuple[str, str]] = set()
    taken_new: set[tuple[str, str]] = set()
    for c in linked:
        if (c.country_key, c.old_name_key) in taken_old or (c.country_key, c.new_name_key) in taken_new:
            continue
        taken_old.add((c.country_key, c.old_name_key))
        taken_new.add((c.country_key, c.new_name_key))
        con.execute(
            sql_file("identity_link_delta.sql"),
            {"cluster_id": c.old_cluster_id, "country_key": c.country_key, "name_key": c.new_name_key},
        )


def run_decisions(con: duckdb.DuckDBPyConnection, run_id: int) -> list[dict[str, Any]]:
    """The link decisions recorded in one run, for the refresh summary."""
    cur = con.execute(sql_file("identity_run_decisions.sql"), {"run_id": run_id})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def resolve_identity(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the decisions in force to cluster_keys, versions and changes; returns keys moved.

    Call inside a transaction. Observed values and times are never touched.
    """
    con.execute(sql_file("identity_resolve.sql"))
    con.execute(sql_file("changes_from_versions.sql"))
    moved = con.execute("select count(*) from identity_moves").fetchone()
    for table in ("resolved_keys", "identity_moves", "touched"):
        con.execute(f"drop table if exists temp.{table}")
    return int(moved[0]) if moved else 0


@dataclass(frozen=True)
class KeySpan:
    """The versions of one name key: the run of the first, the run that closed the last (None while
    one is open), how many are open, and a name to show."""

    first_run: int | None
    last_run: int | None
    open_versions: int
    name: str | None


@dataclass(frozen=True)
class PairRecord:
    """What a person's decision on a pair is recorded with (see identity_pair.sql)."""

    old_cluster_id: str | None
    new_cluster_id: str
    first_run_id: int | None
    last_score: float | None


def countries_with_both(con: duckdb.DuckDBPyConnection, old_key: str, new_key: str) -> list[tuple[str, str | None]]:
    """(country_key, country name) of every country with both name keys on record."""
    rows = con.execute(sql_file("identity_pair_countries.sql"), {"old_name_key": old_key, "new_name_key": new_key})
    return [(r[0], r[1]) for r in rows.fetchall()]


def key_span(con: duckdb.DuckDBPyConnection, ckey: str, nkey: str) -> KeySpan:
    row = con.execute(sql_file("identity_key_span.sql"), {"country_key": ckey, "name_key": nkey}).fetchone()
    assert row is not None  # an aggregate always answers one row
    return KeySpan(row[0], row[1], int(row[2]), row[3])


def links_in_force(
    con: duckdb.DuckDBPyConnection, ckey: str, old_key: str, new_key: str
) -> list[tuple[str, str, str, str]]:
    """(old key, new key, old name, new name) of the links in force touching either name key."""
    params = {"country_key": ckey, "old_name_key": old_key, "new_name_key": new_key}
    return [(r[0], r[1], r[2], r[3]) for r in con.execute(sql_file("identity_links_in_force.sql"), params).fetchall()]


def pair_record(con: duckdb.DuckDBPyConnection, ckey: str, old_key: str, new_key: str) -> PairRecord:
    params = {"country_key": ckey, "old_name_key": old_key, "new_name_key": new_key}
    row = con.execute(sql_file("identity_pair.sql"), params).fetchone()
    assert row is not None  # scalar subqueries: always one row
    return PairRecord(row[0], row[1], row[2], row[3])
