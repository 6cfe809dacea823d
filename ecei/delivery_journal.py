"""The delivery journal: a file beside the warehouse that records each message a channel (of
ECEI_NOTIFY or a subscription, by its ledger key) took, the moment it took it, whoever holds the
warehouse then.

An alerts run appends one line per digest delivered, written and fsynced before it does anything
else, and settles the journal into the ledger (alert_deliveries) as soon as it can open the
warehouse: when it starts, and after its sends. A delivery that is journalled is never sent again,
settled or not, so a run that could not record its deliveries (another process held the file) or
a task retried after it does not send them twice. Replay settles the journal before it rebuilds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from ecei.durable import sync_folder
from ecei.locks import beside
from warehouse import alerts as ledger
from warehouse.db import transaction
from warehouse.runs import utcnow


@dataclass(frozen=True)
class Delivery:
    """One message a channel took: which alerts, from which alerts run."""

    alert_run_id: int | None
    channel: str  # the ledger key (ecei.subscriptions.Target.key), never the URL
    alert_ids: list[int]
    # journals written before subscriptions: the run's channels, an alert delivered to all of them
    # stops being pending; now empty, the next alerts run settles what nobody is owed any more
    channels: list[str]
    delivered_at: dt.datetime
    name: str = ""  # the channel as people read it (ecei.notify.channel_name), for whoever reads the file


def journal_path(db: Path) -> Path:
    """`<db>.deliveries.jsonl` beside the warehouse's real file."""
    return beside(db, ".deliveries.jsonl")


def append(db: Path, delivery: Delivery) -> None:
    """Add one delivery to the journal, on disk when this returns."""
    path = journal_path(db)
    created = not path.exists()
    record = {**asdict(delivery), "delivered_at": delivery.delivered_at.isoformat()}
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    if created:  # a new file's name is only durable once its folder is synced
        sync_folder(path.parent)


def read(db: Path) -> list[Delivery]:
    """The journalled deliveries, oldest first; a line torn by a crash mid-write is skipped."""
    path = journal_path(db)
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            values = json.loads(line)
            values["delivered_at"] = dt.datetime.fromisoformat(values["delivered_at"])
            found.append(Delivery(**values))
        except (ValueError, TypeError, KeyError):
            continue
    return found


def names(deliveries: Iterable[Delivery]) -> list[str]:
    """The channels the deliveries went to, as people read them, each once."""
    return list(dict.fromkeys(d.name or d.channel for d in deliveries))


def delivered(deliveries: Iterable[Delivery]) -> set[tuple[int, str]]:
    """(alert id, channel) of every journalled delivery: what must not be sent again."""
    return {(alert_id, d.channel) for d in deliveries for alert_id in d.alert_ids}


def settle(con: duckdb.DuckDBPyConnection, db: Path) -> int:
    """Record the journal's deliveries in the warehouse in one transaction, then empty the journal;
    returns how many deliveries it held. The caller holds the alerts lock."""
    deliveries = read(db)
    if not deliveries:
        return 0
    with transaction(con):
        record(con, deliveries)
    clear(db)
    return len(deliveries)


def record(con: duckdb.DuckDBPyConnection, deliveries: list[Delivery]) -> None:
    """Write `deliveries` into the ledger, inside the caller's transaction: `settle` commits it, a
    dry run rolls it back, so that it answers as the next run will see the ledger."""
    at = utcnow()
    for d in deliveries:
        ledger.settle_journalled(con, d.alert_ids, d.channel, d.channels, d.delivered_at)
    for run_id in sorted({d.alert_run_id for d in deliveries if d.alert_run_id is not None}):
        why = "could not record how it ended (the warehouse was busy); its deliveries came from the journal"
        ledger.settle_unrecorded_run(con, run_id, why, at)


def clear(db: Path) -> None:
    """Empty the journal once the warehouse holds what it recorded (the caller holds the alerts lock)."""
    journal_path(db).unlink(missing_ok=True)
