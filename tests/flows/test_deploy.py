"""prefect.yaml deploys both flows to a server with a work pool (the test server stands in)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.settings import PREFECT_API_URL

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))


def test_prefect_yaml_deploys_both_flows_to_the_work_pool(tmp_path: Path) -> None:
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="ecei", type="process"), overwrite=True)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "ECEI_HOME": str(ROOT),
    }
    done = subprocess.run(
        [PREFECT, "--no-prompt", "deploy", "--all"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with get_client(sync_client=True) as client:
        found = {
            d.name: d
            for d in client.read_deployments()
            if d.name in ("scheduled-refresh", "scheduled-alerts") and d.work_pool_name == "ecei"
        }
        assert set(found) == {"scheduled-refresh", "scheduled-alerts"}
        refresh, alerts = found["scheduled-refresh"], found["scheduled-alerts"]
        assert refresh.entrypoint == "flows/refresh.py:refresh_flow"
        assert alerts.entrypoint == "flows/alerts.py:expiry_alerts_flow"
        assert [(s.schedule.cron, s.schedule.timezone) for s in refresh.schedules] == [("0 5 * * *", "Europe/Berlin")]
        assert [(s.schedule.cron, s.schedule.timezone) for s in alerts.schedules] == [("0 6 * * *", "Europe/Berlin")]
        for deployment in (refresh, alerts):
            assert deployment.global_concurrency_limit is not None
            assert deployment.global_concurrency_limit.limit == 1
            assert deployment.concurrency_options is not None
            assert deployment.concurrency_options.collision_strategy == "CANCEL_NEW"
            assert deployment.parameters == {}
