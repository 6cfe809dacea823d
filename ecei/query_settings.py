"""The settings a read needs (the warehouse file and its limits, the business day's zone, the stale
rule, no alert channel), without importing pydantic when it can.

`ecei.settings.Settings` is the one declaration of every setting, and it takes these defaults from
here. The read commands (`ecei sql`, `status`, `history`, `changes`) should answer in about the time
DuckDB alone takes to start, and pydantic with pydantic-settings takes longer to import than DuckDB:
so when the environment sets no ECEI_ variable but ECEI_DB, a read takes its warehouse (ECEI_DB or
--db, a path as given) and these defaults without them. As soon as any other ECEI_ variable is set,
the answer is Settings' own, validated as every command validates it (a bad value refuses every
command alike).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

DB = Path("ecei.duckdb")
BUSY_TIMEOUT = 10.0  # seconds a read waits while a refresh holds the warehouse for writing
SQL_TIMEOUT = 60.0  # seconds a query may run
SQL_MEMORY_LIMIT = "1GB"  # what a query may use, in DuckDB's own form
TIMEZONE = "Europe/Berlin"  # the business day's zone
STALE_DAYS = 3  # days without a complete refresh before the data is stale

# what DuckDB reads as no local file: `md:`/`motherduck:` and any `name:` (two or more letters, digits or
# _ before the first colon) loads an extension, `scheme://` goes to a remote file system, `:memory:`
# is no file at all (DuckDB's ExtensionHelper::ExtractExtensionPrefixFromPath)
_NOT_LOCAL = re.compile(r"^(?:[A-Za-z0-9_]{2,}:|[A-Za-z][A-Za-z0-9+.-]*://|:memory:)")


def not_local(db: Path | str) -> str | None:
    """Why DuckDB would not read `db` as a local file (None: it would): checked before DuckDB is asked
    anything and before a lock file is made beside it."""
    text = str(db)
    if not _NOT_LOCAL.match(text):
        return None
    named = "" if "/" in text else f" (a local file of that name is ./{text})"
    return (
        "not a local file path: DuckDB reads it as an extension's database, a remote file or memory; "
        f"ecei-watch keeps its warehouse in a local file{named}"
    )


@dataclass(frozen=True)
class QuerySettings:
    """What a read-only command needs; Settings has the same attributes, with the same defaults."""

    db: Path
    busy_timeout: float
    sql_timeout: float
    sql_memory_limit: str
    publish: bool = True  # read the published copy (ecei.outputs.publish) unless --live
    timezone: str = TIMEZONE
    stale_days: int = STALE_DAYS
    notify: tuple[()] = ()  # no ECEI_NOTIFY channel: it would be an ECEI_ variable
    subscriptions: None = None  # no ECEI_SUBSCRIPTIONS file either


def query_settings(db: Path | None = None) -> QuerySettings | None:
    """The defaults with the warehouse of --db or ECEI_DB; None when Settings must read the environment."""
    # pydantic-settings matches the names without regard to case: so does this
    given = {name.upper(): value for name, value in os.environ.items() if name.upper().startswith("ECEI_")}
    if given.keys() - {"ECEI_DB"} or ("ECEI_DB" in given and not given["ECEI_DB"].strip()):
        return None
    if db is None and "ECEI_DB" in given:
        db = Path(given["ECEI_DB"])
    if db is not None and not_local(db):
        return None  # Settings refuses it, in the one line every command gives for a bad setting
    return QuerySettings(db or DB, BUSY_TIMEOUT, SQL_TIMEOUT, SQL_MEMORY_LIMIT)
