"""refresh_flow under a Prefect test server: states, the markdown artifact, the crawl_runs record."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ecei.demo.mirror import Mirror, demo_site
from flows import refresh_flow
from tests.conftest import NORWAY, expected_rows, fault_for, query
from tests.flows.conftest import artifacts_of


def test_complete_refresh_completes_and_publishes_what_it_added(mirror: Mirror, db_path: Path) -> None:
    state = refresh_flow(start_url=mirror.start_url, db_path=str(db_path), return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()
    assert summary["status"] == "ok" and summary["rows_seen"] == len(expected_rows("2016-06"))
    (artifact,) = artifacts_of(state.state_details.flow_run_id)
    assert artifact.key == "ecei-refresh" and artifact.type == "markdown"
    markdown = artifact.data
    assert f"# Refresh run {summary['run_id']}: ok" in markdown
    assert f"## Added ({summary['added']})" in markdown and "## Rejected (" in markdown
    assert "Norwegian Smart Care Cluster" in markdown
    assert query(db_path, "select status from crawl_runs") == [("ok",)]

    mirror.switch(demo_site("2018-10"))
    state = refresh_flow(start_url=mirror.start_url, db_path=str(db_path), return_state=True)
    markdown = artifacts_of(state.state_details.flow_run_id)[0].data
    changed = query(db_path, "select count(*) from cluster_changes where run_id = 2 and change = 'changed'")[0][0]
    assert changed > 0 and f"## Changed ({changed})" in markdown


def test_partial_refresh_completes_with_a_warning(mirror: Mirror, db_path: Path) -> None:
    mirror.faults = fault_for(NORWAY, status=503)
    state = refresh_flow(start_url=mirror.start_url, db_path=str(db_path), return_state=True)
    assert state.is_completed()
    assert state.message and state.message.startswith("partial:")
    assert state.result()["status"] == "partial"
    markdown = artifacts_of(state.state_details.flow_run_id)[0].data
    assert "**Warning:**" in markdown and "503" in markdown


def test_failed_refresh_fails_the_flow_run(mirror: Mirror, db_path: Path) -> None:
    mirror.faults = fault_for(NORWAY, rewrite=lambda body: body.replace(b"Comparative portfolio", b"Sector"))
    state = refresh_flow(start_url=mirror.start_url, db_path=str(db_path), return_state=True)
    assert state.is_failed()
    assert "failed" in (state.message or "")
    markdown = artifacts_of(state.state_details.flow_run_id)[0].data
    assert ": failed" in markdown and "**Error:**" in markdown
    assert query(db_path, "select status from crawl_runs") == [("failed",)]


def test_a_refused_refresh_fails_the_flow_run_with_why(mirror: Mirror, db_path: Path) -> None:
    state = refresh_flow(start_url=mirror.start_url, db_path=str(db_path), return_state=True)
    assert state.is_completed(), state.message
    with duckdb.connect(str(db_path)) as con:  # the last run dated a day ahead of the clock
        con.execute("update runs set started_at = started_at + interval 1 day")
    state = refresh_flow(start_url=mirror.start_url, db_path=str(db_path), return_state=True)
    assert state.is_failed()
    assert "refused" in (state.message or "") and "the last run started at" in (state.message or "")
    assert query(db_path, "select count(*) from crawl_runs") == [(1,)]
