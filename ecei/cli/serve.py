"""`ecei serve`: run both Prefect flows on their cron schedules (the only command that imports flows/)."""

from __future__ import annotations

from pathlib import Path

from ecei.cli.kit import err, finish, outcomes, settings
from ecei.demo.warehouse import refuse_demo_target
from ecei.outcome import Status


def serve_command() -> None:
    """Serve refresh_flow and expiry_alerts_flow on ECEI_REFRESH_CRON / ECEI_ALERTS_CRON.

    Times are in ECEI_TIMEZONE. Runs until interrupted; needs a Prefect server (PREFECT_API_URL).
    """
    from flows.serve import api_url, deployments, serve_flows  # Prefect takes seconds to import

    chosen = settings()
    with outcomes():  # a demo warehouse never takes another site's crawls, scheduled or not
        refuse_demo_target(Path(chosen.db), chosen.start_url, chosen.busy_timeout)
    if not api_url():
        err.print(
            "[red]schedules need a Prefect server[/red]: start one with `prefect server start` and set "
            "PREFECT_API_URL (e.g. http://127.0.0.1:4200/api)",
            highlight=False,
        )
        finish(Status.REFUSED)
    for d in deployments(chosen):
        schedule = d.schedules[0].schedule if d.schedules else None
        err.print(f"serving {d.flow_name}/{d.name}: {schedule}", highlight=False)
    serve_flows(chosen)
