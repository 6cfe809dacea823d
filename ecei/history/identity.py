"""A person's identity decision: confirm that NEW is OLD renamed (link), or undo it (unlink).

`link_evidence` reads what a person should see before deciding (both names' websites, portfolios,
label dates, first and last sightings, and the rename scoring's own score of the pair), writes
nothing, and refuses what the history does not allow, so a refusal comes before any
question. `decide_link` takes the refresh lock, so no merge runs while the history is rewritten,
opens the warehouse and decides in one transaction. The rules a person's decision must follow are
here; the warehouse (warehouse/identity.py) only answers the queries, scores pairs, records the
decision and rewrites the identity columns to match.
"""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ecei.history.names import resolve_country
from ecei.locks import refresh_lock
from ecei.outcome import Refused, Status
from ecei.refresh.aftermath import after_write
from ecei.settings import Settings
from pipelines.keys import country_key, name_key
from warehouse.db import open_when_free, sql_file, transaction
from warehouse.identity import (
    Candidate,
    Decision,
    KeySpan,
    countries_with_both,
    key_span,
    links_in_force,
    pair_record,
    record,
    resolve_identity,
    score,
)


@dataclass(frozen=True)
class LinkResult:
    """What a person's decision did: the names as listed, the decision, and what it moved."""

    old_name: str
    new_name: str
    linked: bool  # the decision: linked, or unlinked
    already: bool  # the pair was linked before: a link confirms it, an unlink undoes it
    moved: int  # name keys that moved to another cluster id
    status: Status = Status.OK


@dataclass(frozen=True)
class NameRecord:
    """One name of the pair as the warehouse saw it, every value in the order it was first listed."""

    name: str
    country: str
    cluster_id: str
    websites: list[str]
    portfolios: list[str]
    label_dates: list[dt.date]
    first_seen: dt.datetime  # the start of the first run that listed it
    last_seen: dt.datetime | None  # the start of the last run that listed it
    listed: bool  # still listed


@dataclass(frozen=True)
class LinkEvidence:
    """What a person reads before a link or an unlink: both names, and the pair as the rename
    scoring (warehouse.identity.score) judges it: the old name's last version against the new
    name's first, as the merge compared them."""

    old: NameRecord
    new: NameRecord
    linked: bool  # the decision asked for
    already: bool  # the pair is linked now
    score: float
    evidence: str
    strength: str  # 'strong' (the scoring links such a pair), 'weak' or 'none'


@dataclass(frozen=True)
class _Pair:
    """Two names a person typed, found in the warehouse, and what the rules say of them."""

    country_key: str
    old_key: str
    new_key: str
    old_span: KeySpan
    new_span: KeySpan
    old_name: str
    new_name: str
    already: bool


def link_evidence(settings: Settings, old: str, new: str, *, linked: bool, country: str | None) -> LinkEvidence:
    """What a person should read before deciding OLD -> NEW; writes nothing.

    Raises Refused when the decision would be refused (names unknown, overlapping, linked
    elsewhere, not linked for an unlink): nothing to confirm.
    """
    # opened as the decision will open it: a warehouse that cannot be written is refused before any question
    with closing(open_when_free(Path(settings.db), settings.busy_timeout)) as con:
        return link_evidence_on(con, old, new, linked=linked, country=country)


def link_evidence_on(
    con: duckdb.DuckDBPyConnection, old: str, new: str, *, linked: bool, country: str | None
) -> LinkEvidence:
    """`link_evidence` on an open warehouse."""
    pair = _judge(con, old, new, linked, country)
    cur = con.execute(
        sql_file("identity_evidence.sql"), {"country_key": pair.country_key, "name_keys": [pair.old_key, pair.new_key]}
    )
    columns = [d[0] for d in cur.description]
    versions: dict[str, list[dict[str, Any]]] = {}
    for values in cur.fetchall():
        v = dict(zip(columns, values, strict=True))
        versions.setdefault(v["name_key"], []).append(v)
    olds, news = versions[pair.old_key], versions[pair.new_key]
    departed, arrived = olds[-1], news[0]  # what the merge compared: the version that left, the one that came
    candidate = Candidate(
        pair.country_key,
        pair.old_key,
        pair.new_key,
        departed["cluster_id"],
        arrived["cluster_id"],
        pair.old_name,
        pair.new_name,
        departed["site"],
        arrived["site"],
        departed["portfolio"] == arrived["portfolio"],
        departed["valid_until"] == arrived["valid_until"],
    )
    value, evidence, strength = score(candidate)
    old_record, new_record = _name_record(pair.old_name, olds), _name_record(pair.new_name, news)
    return LinkEvidence(old_record, new_record, linked, pair.already, value, evidence, strength)


def _name_record(name: str, versions: list[dict[str, Any]]) -> NameRecord:
    def each(column: str) -> list[Any]:
        return list(dict.fromkeys(v[column] for v in versions if v[column] is not None))

    latest = versions[-1]
    return NameRecord(
        name=name,
        country=latest["country"],
        cluster_id=latest["cluster_id"],
        websites=each("website"),
        portfolios=each("portfolio"),
        label_dates=each("valid_until"),
        first_seen=versions[0]["valid_from"],
        last_seen=latest["last_seen_at"],
        listed=bool(latest["listed"]),
    )


def decide_link(settings: Settings, old: str, new: str, *, linked: bool, country: str | None) -> LinkResult:
    """Record a person's link (or unlink) of OLD -> NEW and rewrite the identity to match.

    Raises Refused when the history does not allow it (names unknown, overlapping, linked
    elsewhere), Busy when a refresh holds the warehouse for longer than `settings.lock_wait`.
    """
    db = Path(settings.db)
    # a refresh holds this lock from its crawl to its commit: never rewrite identity under a merge
    with refresh_lock(db, settings.lock_wait):
        with closing(open_when_free(db, settings.busy_timeout)) as con:
            result = decide_link_on(con, old, new, linked=linked, country=country)
        after_write(settings, "unlink" if not linked else "link")
        return result


def decide_link_on(
    con: duckdb.DuckDBPyConnection, old: str, new: str, *, linked: bool, country: str | None
) -> LinkResult:
    """`decide_link` on an open warehouse, in one transaction (the caller holds the refresh lock)."""
    with transaction(con):
        result = _decide(con, old, new, linked, country)
    return result


def _judge(con: duckdb.DuckDBPyConnection, old: str, new: str, linked: bool, country: str | None) -> _Pair:
    """The pair OLD -> NEW, or Refused when the rules do not allow the decision."""
    ckey, old_key, new_key = _pair_keys(con, old, new, country)
    in_force = links_in_force(con, ckey, old_key, new_key)
    already = any(r[:2] == (old_key, new_key) for r in in_force)
    old_span, new_span = key_span(con, ckey, old_key), key_span(con, ckey, new_key)
    old_name, new_name = old_span.name or old, new_span.name or new
    if linked and not already:
        others = [r for r in in_force if r[:2] != (old_key, new_key)]
        if others:
            o, n = others[0][2:]
            raise Refused(f"{o!r} -> {n!r} is linked: unlink that pair first (ecei unlink)")
        if old_span.open_versions or old_span.last_run is None or old_span.last_run != new_span.first_run:
            left = old_span.last_run if not old_span.open_versions else "-, it is still listed"
            raise Refused(
                f"{old_name!r} must have left the list in the run where {new_name!r} first appeared "
                f"(it left in run {left}, the new name appeared in run {new_span.first_run})"
            )
    if not linked and not already:
        raise Refused(f"{old!r} -> {new!r} is not linked: nothing to undo")
    return _Pair(ckey, old_key, new_key, old_span, new_span, old_name, new_name, already)


def _decide(con: duckdb.DuckDBPyConnection, old: str, new: str, linked: bool, country: str | None) -> LinkResult:
    pair = _judge(con, old, new, linked, country)
    found = pair_record(con, pair.country_key, pair.old_key, pair.new_key)
    assert found.old_cluster_id is not None and found.first_run_id is not None  # both keys are on record
    candidate = Candidate(
        pair.country_key,
        pair.old_key,
        pair.new_key,
        found.old_cluster_id,
        found.new_cluster_id,
        pair.old_name,
        pair.new_name,
        None,
        None,
        False,
        False,
    )
    what = "linked" if linked else "unlinked"
    decision = Decision(candidate, linked, found.last_score, f"{what} by a person", "person")
    record(con, found.first_run_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), [decision])
    moved = resolve_identity(con)
    return LinkResult(pair.old_name, pair.new_name, linked, pair.already, moved)


def _pair_keys(con: duckdb.DuckDBPyConnection, old: str, new: str, country: str | None) -> tuple[str, str, str]:
    """(country_key, old name key, new name key) of two names a person typed."""
    old_key, new_key = name_key(old), name_key(new)
    if old_key == new_key:
        raise Refused("the old and the new name are the same cluster key")
    rows = countries_with_both(con, old_key, new_key)
    if country is not None:
        wanted = {country_key(i) for i in resolve_country(con, country)}  # Refused, listing them, if none
        rows = [r for r in rows if r[0] in wanted]
    if not rows:
        where = f" in {country}" if country else ""
        raise Refused(f"no country{where} has both names on record: {old!r} and {new!r}")
    if len(rows) > 1:
        listed = ", ".join(r[1] or r[0] for r in rows)
        raise Refused(f"both names exist in several countries ({listed}): pass --country")
    return rows[0][0], old_key, new_key
