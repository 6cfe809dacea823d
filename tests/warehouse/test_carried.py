"""What a rebuild carries from the old file: every table placed once, the ledger copied as it was."""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from pathlib import Path

from tests.warehouse.staged_runs import T0, merge, row
from warehouse.alerts import begin_alert_run, candidates, record_alerts, settle_alert_run, window
from warehouse.carried import CARRIED, REBUILT, carry_ledger
from warehouse.db import connect

TODAY = dt.date(2024, 12, 1)


def test_every_table_is_rebuilt_or_carried_and_never_both(tmp_path: Path) -> None:
    with closing(connect(tmp_path / "w.duckdb")) as con:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = current_database() and not temporary"
            ).fetchall()
        }
    assert not set(REBUILT) & set(CARRIED), "a table both rebuilt and carried"
    unplaced = tables - set(REBUILT) - set(CARRIED)
    assert not unplaced, f"tables neither rebuilt from pages nor carried by a replay: {sorted(unplaced)}"
    assert set(REBUILT) | set(CARRIED) <= tables, "a listed table the warehouse does not have"


def test_the_ledger_keeps_its_ids_and_follows_the_runs_to_their_new_ids(tmp_path: Path) -> None:
    old = tmp_path / "old.duckdb"
    with closing(connect(old)) as con:
        merge(con, tmp_path / "stage", [row("A", "2024-12-20"), row("B", "2025-01-20")], T0)
        w = window(con, TODAY, [30, 90], stale_days=400)
        run = begin_alert_run(con, w, 0, T0)
        record_alerts(con, candidates(con, w, ["expiring"]), run, TODAY, T0)
        settle_alert_run(con, run, "ok", 2, 0, 2, None, T0)
        ledger = con.execute("select * from alert_log order by alert_id").fetchall()
    assert len(ledger) == 2

    with closing(connect(tmp_path / "new.duckdb")) as con:
        carry_ledger(con, old, {1: 7})
        assert con.execute("select * from alert_log order by alert_id").fetchall() == ledger
        assert con.execute("select alert_run_id, through_run_id from alert_runs").fetchall() == [(1, 7)]
        # the next alert and alerts run are numbered after the carried ones
        assert con.execute("select nextval('alert_id_seq'), nextval('alert_run_id_seq')").fetchone() == (3, 2)
