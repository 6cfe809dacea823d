"""After an outage, late scheduled runs give way to the latest one: one catch-up run at most."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.states import Cancelled, Scheduled

from ecei.demo.mirror import Mirror
from ecei.settings import Settings
from flows import refresh_flow
from flows.catchup import later_run_due
from flows.serve import ALERTS_DEPLOYMENT, REFRESH_DEPLOYMENT, deployments
from tests.conftest import query


def test_only_the_latest_missed_run_goes_ahead() -> None:
    deployment_id = refresh_flow.to_deployment(name="catchup-test").apply()
    now = dt.datetime.now(dt.UTC)
    with get_client(sync_client=True) as client:
        missed = [
            client.create_flow_run_from_deployment(
                deployment_id, state=Scheduled(scheduled_time=now - dt.timedelta(days=days))
            )
            for days in (3, 2, 1)
        ]
        tomorrow = client.create_flow_run_from_deployment(
            deployment_id, state=Scheduled(scheduled_time=now + dt.timedelta(days=1))
        )
        due = [later_run_due(client, deployment_id, r.id, r.expected_start_time, now) for r in missed]
        assert due == [True, True, False]
        assert not later_run_due(client, deployment_id, tomorrow.id, tomorrow.expected_start_time, now)

        # a later run that was cancelled does not take over: the one before it must run
        client.set_flow_run_state(missed[2].id, Cancelled(), force=True)
        assert not later_run_due(client, deployment_id, missed[1].id, missed[1].expected_start_time, now)


def test_served_deployments_follow_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECEI_REFRESH_CRON", "15 4 * * *")
    monkeypatch.setenv("ECEI_TIMEZONE", "Europe/Oslo")
    refresh, alerts = deployments(Settings())
    assert (refresh.name, alerts.name) == (REFRESH_DEPLOYMENT, ALERTS_DEPLOYMENT)
    # the runner loads the flows by these
    assert refresh.entrypoint == "flows/refresh.py:refresh_flow"
    assert alerts.entrypoint == "flows/alerts.py:expiry_alerts_flow"
    assert refresh.schedules[0].schedule.cron == "15 4 * * *"
    assert refresh.schedules[0].schedule.timezone == "Europe/Oslo"
    assert alerts.schedules[0].schedule.cron == "0 6 * * *"
    assert refresh.concurrency_limit == 1 and alerts.concurrency_limit == 1
    assert refresh.parameters == {} and alerts.parameters == {}


def test_an_overtaken_run_skips_without_crawling(mirror: Mirror, db_path: Path) -> None:
    from prefect.flow_engine import run_flow

    deployment_id = refresh_flow.to_deployment(name="catchup-skip").apply()
    now = dt.datetime.now(dt.UTC)
    params = {"start_url": mirror.start_url, "db_path": str(db_path)}
    with get_client(sync_client=True) as client:
        late, latest = (
            client.create_flow_run_from_deployment(
                deployment_id, parameters=params, state=Scheduled(scheduled_time=now - dt.timedelta(hours=hours))
            )
            for hours in (48, 24)
        )
        skipped = run_flow(refresh_flow, flow_run=client.read_flow_run(late.id), parameters=params, return_type="state")
        assert skipped.is_completed() and skipped.name == "Skipped"
        assert mirror.requests == [] and not db_path.exists()

        ran = run_flow(refresh_flow, flow_run=client.read_flow_run(latest.id), parameters=params, return_type="state")
        assert ran.is_completed() and ran.name == "Completed"
        assert query(db_path, "select status from crawl_runs") == [("ok",)]
