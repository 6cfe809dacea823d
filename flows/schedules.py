"""The next scheduled runs of our two deployments, as the Prefect server has them (for `ecei status`).

Only asked when a server is configured (PREFECT_API_URL, from the environment or a Prefect profile):
Prefect's client would otherwise start a temporary server of its own. Prefect takes seconds to
import, so it is imported only when a server may be configured (flows.server.may_name_a_server,
which reads no more than the environment and the files Prefect would read). A server that does not answer
within `timeout` seconds is reported, never waited on: the question runs in a daemon thread that is
left behind, as a slow alert channel is (ecei.alerts.channels.send).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flows.server import may_name_a_server

if TYPE_CHECKING:
    from ecei.settings import Settings

TIMEOUT = 5.0  # seconds the server has to answer
PER_DEPLOYMENT = 3  # the next runs shown for each deployment


@dataclass(frozen=True)
class ScheduledRun:
    deployment: str  # flow/deployment, e.g. ecei-refresh/scheduled-refresh
    expected_start: dt.datetime  # aware, UTC
    state: str  # Scheduled, or Late when its time has passed


@dataclass
class Schedules:
    """`server` is None when no server is configured; `error` says why the server gave no answer."""

    server: str | None
    deployments: list[str] = field(default_factory=list)  # ours, as the server knows them
    runs: list[ScheduledRun] = field(default_factory=list)  # soonest first
    error: str | None = None


def server_name(url: str) -> str:
    """The server as scheme, host and port: a URL's user, password, path and query stay out."""
    split = urlsplit(url)
    return f"{split.scheme}://{split.hostname}" + (f":{split.port}" if split.port else "")


def _ask(names: list[tuple[str, str]]) -> tuple[list[str], list[ScheduledRun]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        DeploymentFilterName,
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    wanted = set(names)
    with get_client(sync_client=True) as client:
        by_flow = FlowFilter(name=FlowFilterName(any_=[n for n, _ in names]))
        flows = {f.id: f.name for f in client.read_flows(flow_filter=by_flow)}
        found = client.read_deployments(
            flow_filter=by_flow,
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[d for _, d in names])),
        )
        ours = {d.id: f"{flows[d.flow_id]}/{d.name}" for d in found if (flows.get(d.flow_id), d.name) in wanted}
        if not ours:
            return [], []
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=list(ours))),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
            ),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=PER_DEPLOYMENT * len(ours) * 4,
        )
    shown: list[ScheduledRun] = []
    for run in runs:
        name = ours.get(run.deployment_id) if run.deployment_id else None
        if name is None or run.expected_start_time is None:
            continue
        if sum(1 for s in shown if s.deployment == name) < PER_DEPLOYMENT:
            start = dt.datetime.fromisoformat(run.expected_start_time.isoformat()).astimezone(dt.UTC)
            shown.append(ScheduledRun(name, start, run.state_name or "Scheduled"))
    return sorted(ours.values()), shown


def upcoming(settings: Settings, timeout: float = TIMEOUT) -> Schedules:
    """The next scheduled runs of the deployments `ecei serve` and prefect.yaml create, soonest first."""
    if not may_name_a_server():
        return Schedules(None)
    from prefect.settings import PREFECT_API_URL  # as flows.serve.api_url reads it, without the flows' imports

    url = PREFECT_API_URL.value()
    if not url:
        return Schedules(None)
    from flows.serve import deployments

    schedules = Schedules(server_name(url))
    names = [(d.flow_name, d.name) for d in deployments(settings) if d.flow_name is not None]  # each has its flow's
    answer: list[tuple[list[str], list[ScheduledRun]]] = []
    failure: list[str] = []

    def ask() -> None:
        try:
            answer.append(_ask(names))
        except Exception as exc:  # an unreachable or failing server is a fact to report
            failure.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": "))

    worker = threading.Thread(target=ask, name="ecei-schedules", daemon=True)
    worker.start()
    worker.join(timeout)
    if answer:
        schedules.deployments, schedules.runs = answer[0]
    elif failure:
        # the URL may carry what a server name does not show: the answer names the server instead
        schedules.error = f"the Prefect server did not answer: {failure[0].replace(url, schedules.server or '')}"
    else:
        schedules.error = f"the Prefect server did not answer within {timeout:g} s"
    return schedules
