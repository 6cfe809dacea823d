"""expiry_alerts_flow under a Prefect test server, on a warehouse built by refreshes of the mirror."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId

from ecei.demo.mirror import Mirror, demo_site
from ecei.refresh.run import refresh
from ecei.settings import Settings
from flows import expiry_alerts_flow
from tests.conftest import query
from tests.flows.conftest import artifacts_of
from tests.receivers import Webhook


@pytest.fixture
def demo_warehouse(settings: Settings, mirror: Mirror) -> Path:
    for snapshot in ("2016-06", "2018-10"):
        mirror.switch(demo_site(snapshot))
        assert refresh(settings).status == "ok"
    return Path(settings.db)


def test_alerts_flow_without_channel_completes_and_keeps_them_pending(demo_warehouse: Path) -> None:
    state = expiry_alerts_flow(
        db_path=str(demo_warehouse), today="2018-07-01", within_days=90, notify=[], return_state=True
    )
    assert state.is_completed()
    assert "no channel configured" in (state.message or "")
    summary = state.result()
    assert summary["raised_by_kind"]["expiring"] == 9  # the 2018-10 labels lapsing by 2018-09-29
    assert summary["pending"] == summary["raised"] and summary["delivered"] == 0
    (artifact,) = artifacts_of(state.state_details.flow_run_id)
    assert artifact.key == "ecei-expiring" and artifact.type == "table"
    rows = json.loads(artifact.data)
    assert len(rows) == 9 and rows[0]["name"] == "Norwegian Smart Care Cluster" and rows[0]["days_left"] == 12
    assert query(demo_warehouse, "select count(*) from alert_log where delivered_at is null") == [(summary["raised"],)]


def read_logs(client: Any, flow_run_id: Any) -> list[Any]:
    """The run's logs; Prefect ships them to the API in batches, so give the last batch a moment."""
    deadline = time.monotonic() + 15
    while True:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
        if logs or time.monotonic() > deadline:
            return logs
        time.sleep(0.2)


def test_alerts_flow_delivers_once_and_fails_while_the_channel_fails(demo_warehouse: Path, webhook: Webhook) -> None:
    webhook.fail = 1
    args = {"db_path": str(demo_warehouse), "today": "2018-07-01", "within_days": [90, 30, 7]}
    failed = expiry_alerts_flow(**args, notify=[webhook.url()], return_state=True)
    assert failed.is_failed() and webhook.posts == []
    assert "SECRET-TOKEN" not in (failed.message or "")

    done = expiry_alerts_flow(**args, notify=[webhook.url()], return_state=True)
    assert done.is_completed() and done.result()["pending"] == 0
    again = expiry_alerts_flow(**args, notify=[webhook.url()], return_state=True)
    assert again.is_completed() and again.result()["raised"] == 0
    assert len(webhook.posts) == 1
    assert "Norwegian Smart Care Cluster" in webhook.posts[0]["message"]
    with get_client(sync_client=True) as client:
        for state in (failed, done, again):
            run = client.read_flow_run(state.state_details.flow_run_id)
            assert "SECRET-TOKEN" not in json.dumps(run.parameters)
            logs = read_logs(client, run.id)
            assert logs and not any("SECRET-TOKEN" in log.message for log in logs)


def test_a_channel_that_cannot_work_fails_the_run_at_once(demo_warehouse: Path, webhook: Webhook) -> None:
    plain = f"https://127.0.0.1:{webhook.port}/hooks/SECRET-TOKEN"
    state = expiry_alerts_flow(db_path=str(demo_warehouse), today="2018-07-01", notify=[plain], return_state=True)
    assert state.is_failed()
    assert "Apprise does not take a plain https:// URL" in (state.message or "")
    assert "SECRET-TOKEN" not in (state.message or "")
    # the task never ran, so none of its retries (30 s and more apart) waits on a setting no retry mends
    fine = expiry_alerts_flow(db_path=str(demo_warehouse), today="2018-07-01", notify=[], return_state=True)
    with get_client(sync_client=True) as client:

        def task_runs(of: Any) -> list[str]:
            runs = FlowRunFilter(id=FlowRunFilterId(any_=[of.state_details.flow_run_id]))
            return sorted(t.name.rsplit("-", 1)[0] for t in client.read_task_runs(flow_run_filter=runs))

        assert task_runs(state) == [] and task_runs(fine) == ["publish-expiring", "raise-and-deliver"]
    assert webhook.posts == [] and query(demo_warehouse, "select count(*) from alert_runs") == [(1,)]  # `fine`
