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
from rapidfuzz import fuzz, utils

from pipelines.contract import country_key, name_key
from warehouse.db import sql_file

# Norwegian cluster programme levels, which a cluster's name gains or drops as it moves between them
PROGRAMME_PREFIXES = ("nce", "gce", "arena")
NAME_LINK = 90.0  # token ratio (0-100) at or above which a name is near-identical
NAME_WEAK = 70.0  # below this a pair is not worth reporting

_LINK_COLUMNS = (
    "run_id",
    "country_key",
    "old_name_key",
    "new_name_key",
    "old_name",
    "new_name",
    "old_cluster_id",
    "new_cluster_id",
    "evidence",
    "score",
    "decided_by",
    "linked",
    "decided_at",
)


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


def load_version_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table `version_keys`: the identity key of every (country_id, name) the history holds.

    Keys are computed by the same Python functions the pipeline uses, so they match cluster_keys;
    `name_keys` keeps them, so each merge computes only the names it has not met before.
    """
    pairs = con.execute(
        "select distinct v.country_id, v.name from versions as v anti join name_keys using (country_id, name)"
    ).fetchall()
    if pairs:
        con.execute(
            "insert into name_keys select "
            "unnest(?::varchar[]), unnest(?::varchar[]), unnest(?::varchar[]), unnest(?::varchar[])",
            [
                [p[0] for p in pairs],
                [p[1] for p in pairs],
                [country_key(p[0]) for p in pairs],
                [name_key(p[1]) for p in pairs],
            ],
        )
    con.execute("create or replace temp table version_keys as select * from name_keys")


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
    marks = ", ".join("?" for _ in _LINK_COLUMNS)
    con.executemany(f"insert into cluster_links ({columns}) values ({marks})", values)


def _break_conflicts(con: duckdb.DuckDBPyConnection, run_id: int, observed_at: dt.datetime) -> int:
    """Unlink pairs whose old and new names are both listed in this run: they are two clusters.

    Without this, two staged rows would share one cluster_id and the merge would open two
    current versions for it. Returns how many links were broken.
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


def link_renames(con: duckdb.DuckDBPyConnection, run_id: int, observed_at: dt.datetime, complete: bool) -> None:
    """Decide this run's renames and give each linked new name its old name's cluster_id.

    Runs inside the merge's transaction, before merge.sql, with `stage_rows` filled. Only a
    complete run knows which clusters left, so only a complete run decides renames.
    """
    load_version_keys(con)
    _break_conflicts(con, run_id, observed_at)
    if not complete:
        return
    con.execute(sql_file("identity_candidates.sql"))
    cur = con.execute("select * from rename_candidates")
    names = [d[0] for d in cur.description]
    candidates = [Candidate(**dict(zip(names, r, strict=True))) for r in cur.fetchall()]
    con.execute("drop table if exists temp.rename_candidates")
    if not candidates:
        return
    decisions = decide(candidates, _person_decisions(con))
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
            "insert into cluster_keys values (?, ?, ?, ?)", [c.country_key, c.new_name_key, c.old_cluster_id, run_id]
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
    load_version_keys(con)
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
        left join version_keys as vk on vk.country_key = o.country_key
        left join versions as v on v.country_id = vk.country_id and v.name = vk.name
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
        join version_keys as k using (country_id, name)
        where k.country_key = ? and k.name_key = ?
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
        load_version_keys(con)
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
            "substr(md5($1 || chr(31) || $3), 1, 16), "
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
    finally:
        con.execute("drop table if exists temp.version_keys")
    if linked and already:
        return f"confirmed: {old_name} -> {new_name} stays linked"
    verb = "now continues" if linked else "no longer continues"
    return f"{new_name} {verb} the history of {old_name} ({moved} name key(s) moved to another cluster id)"
