"""The settings a query needs (the warehouse file and its limits), without importing pydantic when it can.

`ecei.settings.Settings` is the one declaration of every setting, and it takes these four defaults
from here. `ecei sql` should answer in about the time DuckDB alone takes to start, and pydantic with
pydantic-settings takes longer to import than DuckDB: so when the environment sets no ECEI_ variable
but ECEI_DB, a query takes its warehouse (ECEI_DB or --db, a path as given) and these defaults
without them. As soon as any other ECEI_ variable is set, the answer is Settings' own, validated as
every command validates it (a bad value refuses every command alike).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DB = Path("ecei.duckdb")
BUSY_TIMEOUT = 10.0  # seconds a read waits while a refresh holds the warehouse for writing
SQL_TIMEOUT = 60.0  # seconds a query may run
SQL_MEMORY_LIMIT = "1GB"  # what a query may use, in DuckDB's own form


@dataclass(frozen=True)
class QuerySettings:
    """What a read-only query needs; Settings has the same attributes."""

    db: Path
    busy_timeout: float
    sql_timeout: float
    sql_memory_limit: str
    publish: bool = True  # read the published copy (ecei.publish) unless --live


def query_settings(db: Path | None = None) -> QuerySettings | None:
    """The defaults with the warehouse of --db or ECEI_DB; None when Settings must read the environment."""
    # pydantic-settings matches the names without regard to case: so does this
    given = {name.upper(): value for name, value in os.environ.items() if name.upper().startswith("ECEI_")}
    if given.keys() - {"ECEI_DB"} or ("ECEI_DB" in given and not given["ECEI_DB"].strip()):
        return None
    if db is None and "ECEI_DB" in given:
        db = Path(given["ECEI_DB"])
    return QuerySettings(db or DB, BUSY_TIMEOUT, SQL_TIMEOUT, SQL_MEMORY_LIMIT)
