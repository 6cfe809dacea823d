"""Cluster identity across renames: decide, record and apply links between an old and a new name.

The site publishes no id, so a cluster's key is (country, name). When a complete run closes some
clusters and meets names it has never seen in the same country, each such pair is a rename
candidate (gathered in `identity_candidates.sql`) and scored here with rapidfuzz. A linked pair
gives the new name the old name's `cluster_id`, so the history goes on under one id.

Every decision is a row of `cluster_links`; the latest row per pair is in force
(`cluster_link_decisions`). Automatic decisions depend only on the warehouse and the staged run,
and are dated by the run's start, so a replay of the same runs makes the same decisions. A
person's decision (`ecei link` / `ecei unlink`) is honoured by later merges of the same pair and
applied to the history by `resolve_identity`, which rewrites identity columns only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
from rapidfuzz import fuzz, process, utils

from pipelines.keys import country_key, name_key
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
    rows = con.execute(
        """
        select d.country_key, d.old_name_key, d.new_name_key, d.old_cluster_id, d.new_cluster_id,
               d.old_name, d.new_name
        from cluster_link_decisions as d
        where d.linked
          and exists (select 1 from stage_rows s where s.country_key = d.country_key and s.name_key = d.old_name_key)
          and exists (select 1 from stage_rows s where s.country_key = d.country_key and s.name_key = d.new_name_key)
        order by all
        """
    ).fetchall()
    if not rows:
        return 0
    decisions = [
        Decision(
            Candidate(*r, old_site=None, new_site=None, same_portfolio=False, same_label_date=False),
            linked=False,
            score=0.0,
            evidence=f"both names listed in run {run_id}: two clusters, not one; unlinked",
        )
        for r in rows
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
            "update delta set key_cluster_id = ? "
            "where country_key = ? and name_key = ? and old_cluster_id is null and key_first_run_id is null",
            [c.old_cluster_id, c.country_key, c.new_name_key],
        )


def run_decisions(con: duckdb.DuckDBPyConnection, run_id: int) -> list[dict[str, Any]]:
    """The link decisions recorded in one run, for the refresh summary."""
    cur = con.execute(
        "select old_name, new_name, linked, score, evidence, decided_by from cluster_links "
        "where run_id = ? order by linked desc, old_name, new_name, link_id",
        [run_id],
    )
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


class IdentityRefused(Exception):
    """A person's link or unlink that the history does not allow; the message says why."""


def _pair_keys(con: duckdb.DuckDBPyConnection, old: str, new: str, country: str | None) -> tuple[str, str, str]:
    """(country_key, old name key, new name key) of two names a person typed."""
    old_key, new_key = name_key(old), name_key(new)
    if old_key == new_key:
        raise IdentityRefused("the old and the new name are the same cluster key")
    rows = con.execute(
        """
        select o.country_key, any_value(v.country)
        from cluster_keys as o
        join cluster_keys as n on n.country_key = o.country_key and n.name_key = ?
        left join versions as v on v.country_key = o.country_key
        where o.name_key = ?
        group by all
        order by all
        """,
        [new_key, old_key],
    ).fetchall()
    if country is not None:
        wanted = country.casefold().strip()
        rows = [r for r in rows if r[0] == country_key(country) or (r[1] or "").casefold() == wanted]
    if not rows:
        where = f" in {country}" if country else ""
        raise IdentityRefused(f"no country{where} has both names on record: {old!r} and {new!r}")
    if len(rows) > 1:
        listed = ", ".join(r[1] or r[0] for r in rows)
        raise IdentityRefused(f"both names exist in several countries ({listed}): pass --country")
    return rows[0][0], old_key, new_key


def _key_span(con: duckdb.DuckDBPyConnection, ckey: str, nkey: str) -> tuple[Any, ...]:
    """(first run_from, last run_to, open versions, a shown name) of one key's versions."""
    row = con.execute(
        """
        select min(v.run_from), max(v.run_to), count(*) filter (where v.valid_to is null), max(v.name)
        from versions as v
        where v.country_key = ? and v.name_key = ?
        """,
        [ckey, nkey],
    ).fetchone()
    assert row is not None
    return row


def decide_by_person(
    con: duckdb.DuckDBPyConnection, old: str, new: str, linked: bool, country: str | None = None
) -> str:
    """Record a person's link (or unlink) of OLD -> NEW and rewrite the identity columns to match.

    Runs in one transaction. Returns a sentence saying what changed; IdentityRefused when the
    history does not allow it (names unknown, overlapping, already linked elsewhere).
    """
    con.execute("begin transaction")
    try:
        ckey, old_key, new_key = _pair_keys(con, old, new, country)
        in_force = con.execute(
            "select old_name_key, new_name_key, old_name, new_name from cluster_link_decisions "
            "where linked and country_key = ? and (old_name_key = ? or new_name_key = ?)",
            [ckey, old_key, new_key],
        ).fetchall()
        already = any(r[:2] == (old_key, new_key) for r in in_force)
        _, old_last, old_open, old_name = _key_span(con, ckey, old_key)
        new_first, _, _, new_name = _key_span(con, ckey, new_key)
        if linked and not already:
            others = [r for r in in_force if r[:2] != (old_key, new_key)]
            if others:
                o, n = others[0][2:]
                raise IdentityRefused(f"{o!r} -> {n!r} is linked: unlink that pair first (ecei unlink)")
            if old_open or old_last is None or old_last != new_first:
                raise IdentityRefused(
                    f"{old_name!r} must have left the list in the run where {new_name!r} first appeared "
                    f"(it left in run {old_last if not old_open else '-, it is still listed'}, "
                    f"the new name appeared in run {new_first})"
                )
        if not linked and not already:
            raise IdentityRefused(f"{old!r} -> {new!r} is not linked: nothing to undo")
        ids = con.execute(
            "select (select cluster_id from cluster_keys where country_key = $1 and name_key = $2), "
            "cluster_id_of($1, $3), "
            "(select first_run_id from cluster_keys where country_key = $1 and name_key = $3)",
            [ckey, old_key, new_key],
        ).fetchone()
        assert ids is not None
        last = con.execute(
            "select score from cluster_links where country_key = ? and old_name_key = ? and new_name_key = ? "
            "order by link_id desc limit 1",
            [ckey, old_key, new_key],
        ).fetchone()
        candidate = Candidate(ckey, old_key, new_key, ids[0], ids[1], old_name, new_name, None, None, False, False)
        what = "linked" if linked else "unlinked"
        decision = Decision(candidate, linked, last[0] if last else None, f"{what} by a person", "person")
        record(con, int(ids[2]), dt.datetime.now(dt.UTC).replace(tzinfo=None), [decision])
        moved = resolve_identity(con)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    if linked and already:
        return f"confirmed: {old_name} -> {new_name} stays linked"
    verb = "now continues" if linked else "no longer continues"
    return f"{new_name} {verb} the history of {old_name} ({moved} name key(s) moved to another cluster id)"
