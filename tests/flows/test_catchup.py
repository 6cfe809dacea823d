"""After an outage, late scheduled runs give way to the latest one: one catch-up run at most."""

from __future__ import annotations

import datetime as dt

import pytest
from prefect.client.orchestration import get_client
from prefect.states import Cancelled, Scheduled

from ecei.settings import Settings
from flows import refresh_flow
from flows.catchup import later_run_due
from flows.serve import ALERTS_DEPLOYMENT, REFRESH_DEPLOYMENT, deployments


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
