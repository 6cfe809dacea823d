"""Which tables a rebuild makes again from the page archive, and which it carries from the old file.

A replay (and a backfill, which replays) builds a new warehouse from the archived pages. The
tables in REBUILT it writes itself, run by run. The tables in CARRIED hold what no page says: what
people were told (the alert ledger) and what they decided (their link decisions); they are copied
from the old file, their rows as they were, the crawl run ids they name mapped to the runs' new
ids. Every table of a warehouse is in exactly one of the two (tests/warehouse/test_carried.py):
a table a later migration adds must be placed here, or that test fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import sql_file, transaction
from warehouse.identity import resolve_identity

# written by the rebuild: the schema's own record, and every table the runs' pages make
REBUILT = (
    "schema_migrations",
    "schema_definitions",
    "runs",
    "versions",
    "changes",
    "quarantine",
    "cluster_keys",
    "archive_runs",
    "page_fetches",
    "page_bodies",
    "archive_captures",  # copied with the bodies: what a Wayback backfill read is not read again
)

# copied from the old file, each with which of its rows
CARRIED = {
    "cluster_links": "the decisions of people (decided_by = 'person'); the merges decide the automatic ones again",
    "alert_runs": "every alerts run, its through_run_id mapped to the crawl run's new id",
    "alert_log": "every alert, with its id, its delivery and its attempts",
    "alert_deliveries": "every delivery to every channel",
    "subscriptions": "when each subscription was first seen: a rebuild must not make an old subscriber new",
    "alert_recipients": "every recipient the ledger knows, configured now or not",
    "alert_outbox": "what each recipient is owed and how each debt was closed: a rebuild tells nobody anything twice",
}

# the ledger's tables in the order they are copied, with the sequence that numbers each
_LEDGER = (("alert_runs", "alert_run_id_seq", "alert_run_id"), ("alert_log", "alert_id_seq", "alert_id"))


@dataclass
class Carried:
    """What a rebuild takes from the old file: read before the rebuild, applied during it."""

    source: Path | None = None  # the old file, for the ledger's tables
    decisions: list[dict[str, Any]] = field(default_factory=list)  # people's, oldest first


def read_carried(con: duckdb.DuckDBPyConnection, source: Path) -> Carried:
    """The people's link decisions of the open old file `source`, oldest first."""
    cur = con.execute(sql_file("carried_decisions.sql"))
    names = [d[0] for d in cur.description]
    return Carried(source, [dict(zip(names, r, strict=True)) for r in cur.fetchall()])


def apply_decisions(
    con: duckdb.DuckDBPyConnection, carried: Carried, before: dt.datetime | None, run_ids: Mapping[int, int]
) -> int:
    """Record the carried decisions a person made before `before` (all when None) and rewrite the
    identity to match, as `ecei link` did: at their place in time, so the merges after them honour
    them. Their run (the new name's first) takes its new id. Returns how many were applied."""

    def made_before(d: dict[str, Any]) -> bool:
        return before is None or d["decided_at"] < before

    due = [d for d in carried.decisions if made_before(d)]
    if not due:
        return 0
    carried.decisions = [d for d in carried.decisions if not made_before(d)]
    with transaction(con):
        for decision in due:
            row = {**decision, "run_id": run_ids.get(decision["run_id"], decision["run_id"])}
            con.execute("insert into cluster_links by name select unnest($row)", {"row": row})
        resolve_identity(con)
    return len(due)


def carry_ledger(con: duckdb.DuckDBPyConnection, source: Path, run_ids: Mapping[int, int]) -> None:
    """Copy the alert ledger of `source` as it is, ids included, into this fresh file; the alerts
    runs' through_run_id follow the crawl runs to their new ids, so the next window starts right."""
    con.execute("attach ? as carried_source (read_only)", [str(source)])
    try:
        with transaction(con):
            con.execute(sql_file("carried_ledger.sql"))
            con.execute(sql_file("carried_run_ids.sql"), {"old_ids": list(run_ids), "new_ids": list(run_ids.values())})
            for table, sequence, key in _LEDGER:
                row = con.execute(f"select coalesce(max({key}), 0) from {table}").fetchone()
                # a sequence cannot be set in DuckDB: draw it past the highest id carried
                con.execute(f"select count(nextval('{sequence}')) from range(?)", [int(row[0]) if row else 0])
    finally:
        con.execute("detach carried_source")
