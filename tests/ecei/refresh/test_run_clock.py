"""Time only moves forward: a refresh whose clock reads earlier than the last run's start is refused.

The clock of a real process cannot be turned back, so the warehouse is moved forward instead: the
last run (its start, and the versions and links it dated) is put a day ahead of the clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from ecei.demo.mirror import Mirror, demo_site
from ecei.refresh.run import refresh
from ecei.settings import Settings
from tests.conftest import query
from tests.ecei.processes import start_refresh


def everything(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    tables = [r[0] for r in query(db, "select table_name from duckdb_tables() order by 1")]
    return {t: query(db, f"select * from {t} order by all") for t in tables}


def date_the_history_ahead(db: Path) -> str:
    """Move every time the warehouse holds a day ahead; returns the last run's start as text."""
    with duckdb.connect(str(db)) as con:
        con.execute(
            "update runs set started_at = started_at + interval 1 day, finished_at = finished_at + interval 1 day"
        )
        con.execute("update versions set valid_from = valid_from + interval 1 day")
        row = con.execute("select max(started_at) from runs").fetchone()
    assert row is not None
    return str(row[0])


def test_a_clock_behind_the_last_run_is_refused_and_writes_nothing(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None]
) -> None:
    start_from("2016-06")
    last_start = date_the_history_ahead(settings.db)
    before = everything(settings.db)
    mirror.switch(demo_site("2021-09"))  # a run that would change, close and rename

    result = refresh(settings)

    inverted = query(settings.db, "select count(*) from versions where valid_to < valid_from")
    assert inverted == [(0,)]
    assert (result.status, result.run_id) == ("refused", None)
    assert result.message is not None
    assert f"the last run started at {last_start}" in result.message
    assert "earlier" in result.message and "clock" in result.message
    assert everything(settings.db) == before


def test_the_command_exits_2_with_the_message(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None]
) -> None:
    start_from("2016-06")
    last_start = date_the_history_ahead(settings.db)
    mirror.switch(demo_site("2021-09"))
    out, err = start_refresh(settings).communicate(timeout=120)
    done = json.loads(out)
    assert (done["status"], done["exit_code"], done["run_id"]) == ("refused", 2, None), err
    assert last_start in done["message"]
    assert "Traceback" not in err
