"""One catch-up run at most: a scheduled run overtaken by a later one skips itself.

While `ecei serve` (or a worker) is down, the Prefect server keeps the scheduled runs it created;
when serving resumes they are all late and would all start, crawling the site several times over.
Each run therefore asks the server whether a later run of the same deployment is already due: if
so, it skips and leaves the work to the latest one. Runs outside a deployment never skip.
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterExpectedStartTime,
    FlowRunFilterId,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.context import FlowRunContext

_TICK = dt.timedelta(microseconds=1)  # the filter's bounds are inclusive; a run is not later than itself


def later_run_due(
    client: SyncPrefectClient, deployment_id: UUID, run_id: UUID, expected_start: dt.datetime, now: dt.datetime
) -> bool:
    """Whether another run of the deployment, expected after this one, is due by `now`
    (scheduled, running or done; cancelled ones do not count)."""
    runs = client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id]),
            id=FlowRunFilterId(not_any_=[run_id]),
            # validated, as the API's models convert a datetime into their own type
            expected_start_time=FlowRunFilterExpectedStartTime.model_validate(
                {"after_": expected_start + _TICK, "before_": now}
            ),
            state=FlowRunFilterState(type=FlowRunFilterStateType(not_any_=[StateType.CANCELLED, StateType.CANCELLING])),
        ),
        limit=1,
    )
    return bool(runs)


def superseded() -> str | None:
    """Why the current flow run should skip itself, or None to go ahead."""
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return None
    run = context.flow_run
    if run.deployment_id is None or run.expected_start_time is None:
        return None
    with get_client(sync_client=True) as client:
        if later_run_due(client, run.deployment_id, run.id, run.expected_start_time, dt.datetime.now(dt.UTC)):
            return (
                f"skipped: this run was due at {run.expected_start_time:%Y-%m-%d %H:%M %Z} and a later "
                "scheduled run is due too; it does the catching up"
            )
    return None
