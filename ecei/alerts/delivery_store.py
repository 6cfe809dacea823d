"""The delivery store: an SQLite file beside the warehouse (`<db>.deliveries.sqlite`, WAL) that
records each message to a recipient before it is sent (its intent, under a new delivery id) and how
the recipient answered right after, whoever holds the warehouse then.

Each write is one SQLite transaction: a crash leaves a row whole or absent, never torn, and a full
disk or a file that cannot be opened is one clear error (StoreUnusable) raised before the send it
would record. An alerts run settles the store into the ledger (alert_outbox, alert_deliveries)
when it holds the warehouse: when it starts, and after its sends; replay settles it before it
rebuilds. A message whose intent is stored and whose answer is not (the process died in between)
is in doubt: the next run sends it again under the same delivery id, which a receiver can use to
drop the copy (the manual: subscriber/alerts.md). An older version's JSON-lines journal (`<db>.deliveries.jsonl`)
is read once, whatever a crash left in it, settled like the store and removed.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ecei.beside import beside
from ecei.durable import read_capped
from ecei.outcome import Refused

SUFFIX = ".deliveries.sqlite"
LEGACY_SUFFIX = ".deliveries.jsonl"
LEGACY_CAP = 64 * 1024 * 1024  # a journal holds a line per message: far below this

_SCHEMA = """
create table if not exists deliveries (
    delivery_id   text primary key,
    alert_run_id  integer,
    recipient     text not null,
    name          text not null,
    alert_ids     text not null,
    intended_at   text not null,
    answered_at   text,
    error         text
) strict
"""


class StoreUnusable(Refused):
    """The delivery store cannot be read or written: nothing more is sent until it can."""


@dataclass(frozen=True)
class Delivery:
    """One message to one recipient: which alerts, from which alerts run; `answered` False while in doubt."""

    delivery_id: str
    alert_run_id: int | None
    recipient: str  # the ledger key (ecei.alerts.subscriptions.Target.key), never the URL
    name: str  # the recipient as people read it
    alert_ids: list[int]
    intended_at: dt.datetime
    answered: bool = False
    error: str | None = None  # the recipient refused it: why

    @property
    def delivered(self) -> bool:
        return self.answered and self.error is None


@dataclass
class Kept:
    """What the store (and a legacy journal) held: the deliveries, and a warning per line it could not read."""

    deliveries: list[Delivery] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    legacy: Path | None = None  # a legacy journal read, removed once settled


def store_path(db: Path) -> Path:
    return beside(db, SUFFIX)


def legacy_path(db: Path) -> Path:
    return beside(db, LEGACY_SUFFIX)


def new_id() -> str:
    return str(uuid.uuid4())


@contextmanager
def _opened(db: Path, create: bool) -> Iterator[sqlite3.Connection | None]:
    path = store_path(db)
    if not create and not path.exists():
        yield None
        return
    try:
        con = sqlite3.connect(path, timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreUnusable(f"cannot open the delivery store {path}: {exc}; nothing more was sent") from None
    try:
        with closing(con):
            con.execute("pragma journal_mode=wal")
            con.execute("pragma synchronous=full")  # an answer on disk before the next message goes
            con.execute(_SCHEMA)
            yield con
    except sqlite3.Error as exc:
        raise StoreUnusable(f"the delivery store {path} cannot be used: {exc}; nothing more was sent") from None


def intend(db: Path, delivery: Delivery) -> None:
    """Record a message before it is sent; StoreUnusable (and the message must not be sent) when it cannot be."""
    with _opened(db, create=True) as con:
        assert con is not None
        con.execute(
            "insert into deliveries (delivery_id, alert_run_id, recipient, name, alert_ids, intended_at) "
            "values (?, ?, ?, ?, ?, ?) on conflict (delivery_id) do nothing",
            (
                delivery.delivery_id,
                delivery.alert_run_id,
                delivery.recipient,
                delivery.name,
                json.dumps(delivery.alert_ids),
                delivery.intended_at.isoformat(),
            ),
        )


def answer(db: Path, delivery_id: str, error: str | None, at: dt.datetime) -> None:
    """Record how the recipient answered a message (error None: it took it)."""
    with _opened(db, create=True) as con:
        assert con is not None
        con.execute(
            "update deliveries set answered_at = ?, error = ? where delivery_id = ?",
            (at.isoformat(), error, delivery_id),
        )


def read(db: Path) -> Kept:
    """Every delivery the store holds (and a legacy journal's, read robustly), oldest first."""
    kept = _legacy(db)
    with _opened(db, create=False) as con:
        if con is None:
            return kept
        rows = con.execute(
            "select delivery_id, alert_run_id, recipient, name, alert_ids, intended_at, answered_at, error "
            "from deliveries order by intended_at, rowid"
        ).fetchall()
    for delivery_id, run_id, recipient, name, ids, intended, answered, error in rows:
        try:
            alert_ids = [int(i) for i in json.loads(ids)]
            at = dt.datetime.fromisoformat(intended)
        except (ValueError, TypeError) as exc:
            kept.warnings.append(f"{store_path(db)}: delivery {delivery_id} unreadable ({exc}); left out")
            continue
        kept.deliveries.append(
            Delivery(delivery_id, run_id, recipient, name, alert_ids, at, answered is not None, error)
        )
    return kept


def forget(db: Path, kept: Kept) -> None:
    """Remove what the ledger now holds (the caller committed it): the store's rows, a legacy journal."""
    ids = [(d.delivery_id,) for d in kept.deliveries]
    with _opened(db, create=False) as con:
        if con is not None and ids:
            con.executemany("delete from deliveries where delivery_id = ?", ids)
    if kept.legacy is not None:
        kept.legacy.unlink(missing_ok=True)


def names(deliveries: list[Delivery]) -> list[str]:
    """The recipients the deliveries went to, as people read them, each once."""
    return list(dict.fromkeys(d.name or d.recipient for d in deliveries))


def _legacy(db: Path) -> Kept:
    """An older version's JSON-lines journal: each whole, well-typed line is a delivery taken; a torn
    or mistyped line is a warning, never an error."""
    path = legacy_path(db)
    kept = Kept()
    try:
        text = read_capped(path, LEGACY_CAP, "the delivery journal").decode("utf-8", errors="replace")
    except FileNotFoundError:
        return kept
    except (OSError, Refused) as exc:
        kept.warnings.append(f"{path}: cannot be read ({exc}); left as it is")
        return kept
    kept.legacy = path
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values = json.loads(line)
            ids = values["alert_ids"]
            if not isinstance(ids, list) or not all(type(i) is int for i in ids):
                raise TypeError("alert_ids is not a list of numbers")
            channel, at = values["channel"], dt.datetime.fromisoformat(values["delivered_at"])
            if not isinstance(channel, str):
                raise TypeError("channel is not text")
            run = values.get("alert_run_id")
            run = run if type(run) is int else None
            name = values.get("name") if isinstance(values.get("name"), str) else channel
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            kept.warnings.append(f"{path}, line {number}: not a whole delivery ({type(exc).__name__}: {exc}); left out")
            continue
        kept.deliveries.append(Delivery(f"legacy-{number}", run, channel, name, ids, at, True, None))
    return kept
