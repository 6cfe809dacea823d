"""A person's identity decision: confirm that NEW is OLD renamed (link), or undo it (unlink).

`decide_link` takes the refresh lock, so no merge runs while the history is rewritten, opens the
warehouse and decides in one transaction. The rules a person's decision must follow are here;
the warehouse (warehouse/identity.py) only answers the queries, records the decision and rewrites
the identity columns to match.
"""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ecei.locks import refresh_lock
from ecei.outcome import Refused, Status
from ecei.settings import Settings
from pipelines.keys import country_key, name_key
from warehouse.db import open_when_free, transaction
from warehouse.identity import (
    Candidate,
    Decision,
    countries_with_both,
    key_span,
    links_in_force,
    pair_record,
    record,
    resolve_identity,
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


def decide_link(settings: Settings, old: str, new: str, *, linked: bool, country: str | None) -> LinkResult:
    """Record a person's link (or unlink) of OLD -> NEW and rewrite the identity to match.

    Raises Refused when the history does not allow it (names unknown, overlapping, linked
    elsewhere), Busy when a refresh holds the warehouse for longer than `settings.lock_wait`.
    """
    db = Path(settings.db)
    # a refresh holds this lock from its crawl to its commit: never rewrite identity under a merge
    with refresh_lock(db, settings.lock_wait), closing(open_when_free(db, settings.busy_timeout)) as con:
        return decide_link_on(con, old, new, linked=linked, country=country)


def decide_link_on(
    con: duckdb.DuckDBPyConnection, old: str, new: str, *, linked: bool, country: str | None
) -> LinkResult:
    """`decide_link` on an open warehouse, in one transaction (the caller holds the refresh lock)."""
    with transaction(con):
        result = _decide(con, old, new, linked, country)
    return result


def _decide(con: duckdb.DuckDBPyConnection, old: str, new: str, linked: bool, country: str | None) -> LinkResult:
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
    pair = pair_record(con, ckey, old_key, new_key)
    assert pair.old_cluster_id is not None and pair.first_run_id is not None  # both keys are on record
    candidate = Candidate(
        ckey, old_key, new_key, pair.old_cluster_id, pair.new_cluster_id, old_name, new_name, None, None, False, False
    )
    what = "linked" if linked else "unlinked"
    decision = Decision(candidate, linked, pair.last_score, f"{what} by a person", "person")
    record(con, pair.first_run_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), [decision])
    moved = resolve_identity(con)
    return LinkResult(old_name, new_name, linked, already, moved)


def _pair_keys(con: duckdb.DuckDBPyConnection, old: str, new: str, country: str | None) -> tuple[str, str, str]:
    """(country_key, old name key, new name key) of two names a person typed."""
    old_key, new_key = name_key(old), name_key(new)
    if old_key == new_key:
        raise Refused("the old and the new name are the same cluster key")
    rows = countries_with_both(con, old_key, new_key)
    if country is not None:
        wanted = country.casefold().strip()
        rows = [r for r in rows if r[0] == country_key(country) or (r[1] or "").casefold() == wanted]
    if not rows:
        where = f" in {country}" if country else ""
        raise Refused(f"no country{where} has both names on record: {old!r} and {new!r}")
    if len(rows) > 1:
        listed = ", ".join(r[1] or r[0] for r in rows)
        raise Refused(f"both names exist in several countries ({listed}): pass --country")
    return rows[0][0], old_key, new_key
