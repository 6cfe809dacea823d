"""`ecei serve`: both flows served by this process, on the cron schedules of the settings.

Schedules need a Prefect server (its scheduler creates the runs); this process polls it and runs
them. Each deployment runs one flow run at a time, and a run overtaken by a later one skips itself
(flows/catchup.py), so an outage is followed by one catch-up run at most.
"""

from __future__ import annotations

from typing import cast

from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron
from prefect.settings import PREFECT_API_URL

from ecei.settings import Settings
from flows.alerts import expiry_alerts_flow
from flows.refresh import refresh_flow

REFRESH_DEPLOYMENT = "scheduled-refresh"
ALERTS_DEPLOYMENT = "scheduled-alerts"


def _one_at_a_time() -> ConcurrencyLimitConfig:
    # a run due while another still runs is dropped, not queued behind it
    return ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)


def deployments(settings: Settings) -> list[RunnerDeployment]:
    """The two served deployments; their parameters stay empty so that settings (and secrets)
    come from this process's environment, never from the Prefect database."""
    # to_deployment is declared to return a coroutine too (async_dispatch); called from sync code,
    # as here, it returns the deployment itself
    served = (
        (refresh_flow, REFRESH_DEPLOYMENT, settings.refresh_cron),
        (expiry_alerts_flow, ALERTS_DEPLOYMENT, settings.alerts_cron),
    )
    return [
        cast(
            RunnerDeployment,
            flow.to_deployment(
                name=name,
                schedule=Cron(cron, timezone=settings.timezone),
                concurrency_limit=_one_at_a_time(),
                tags=["ecei"],
            ),
        )
        for flow, name, cron in served
    ]


def api_url() -> str | None:
    url: str | None = PREFECT_API_URL.value()
    return url


def serve_flows(settings: Settings) -> None:
    """Serve both deployments until interrupted."""
    serve(*deployments(settings))
