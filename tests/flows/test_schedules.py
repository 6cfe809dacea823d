"""The next scheduled runs of our deployments, read from the session's Prefect test server, by the
function and by `ecei status`."""

from __future__ import annotations

import datetime as dt
import json
import os
from contextlib import closing
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL
from prefect.states import Scheduled

from ecei.settings import Settings
from flows.refresh import refresh_flow
from flows.schedules import PER_DEPLOYMENT, server_name, upcoming
from flows.serve import deployments
from tests.cli.helpers import ecei
from tests.warehouse.staged_runs import merge, row
from warehouse.db import connect
from warehouse.runs import utcnow


def test_the_next_runs_of_our_deployments_soonest_first(tmp_path: Path) -> None:
    settings = Settings(db=tmp_path / "w.duckdb")
    refresh, alerts = deployments(settings)
    ids = {f"{d.flow_name}/{d.name}": d.apply() for d in (refresh, alerts)}
    now = dt.datetime.now(dt.UTC)
    # due before anything the server's own scheduler could have made from the cron schedules
    wanted = [
        ("ecei-refresh/scheduled-refresh", now - dt.timedelta(days=3)),
        ("ecei-expiry-alerts/scheduled-alerts", now - dt.timedelta(days=2, hours=23)),
        ("ecei-refresh/scheduled-refresh", now - dt.timedelta(days=2, hours=22)),
    ]
    with get_client(sync_client=True) as client:
        for name, at in wanted:
            client.create_flow_run_from_deployment(ids[name], state=Scheduled(scheduled_time=at))
        other = refresh_flow.to_deployment(name="not-ours").apply()  # a deployment of our flow, not ours
        client.create_flow_run_from_deployment(other, state=Scheduled(scheduled_time=now - dt.timedelta(days=4)))

    found = upcoming(settings)
    assert found.error is None and found.server == server_name(str(PREFECT_API_URL.value()))
    assert found.deployments == sorted(ids)
    got = [(r.deployment, r.expected_start) for r in found.runs]
    assert got[:3] == wanted
    assert all(r.state in ("Scheduled", "Late") for r in found.runs)
    assert [r.expected_start for r in found.runs] == sorted(r.expected_start for r in found.runs)
    for name in ids:
        assert 1 <= sum(r.deployment == name for r in found.runs) <= PER_DEPLOYMENT

    # the same, through `ecei status` pointed at the server
    with closing(connect(settings.db)) as con:
        merge(con, tmp_path / "stage", [row("Arena Alpha", "2099-01-01")], utcnow() - dt.timedelta(hours=1))
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "PREFECT_HOME": str(tmp_path / "home")}
    done = ecei("status", "--json", "--db", str(settings.db), env=env)
    assert done.returncode == 0, done.stderr
    schedules = json.loads(done.stdout)["schedules"]
    assert schedules["error"] is None and schedules["deployments"] == sorted(ids)
    first = schedules["runs"][0]
    assert first["deployment"] == "ecei-refresh/scheduled-refresh"
    assert first["expected_start"] == wanted[0][1].strftime("%Y-%m-%dT%H:%M:%SZ")
