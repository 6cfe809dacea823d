"""`ecei serve`: run both Prefect flows on their cron schedules (Prefect is imported only here)."""

from __future__ import annotations

import typer
from rich.console import Console

from ecei.settings import Settings

err = Console(stderr=True, soft_wrap=True)


def serve_command() -> None:
    """Serve refresh_flow and expiry_alerts_flow on ECEI_REFRESH_CRON / ECEI_ALERTS_CRON.

    Times are in ECEI_TIMEZONE. Runs until interrupted; needs a Prefect server (PREFECT_API_URL).
    """
    from flows.serve import api_url, deployments, serve_flows  # Prefect takes seconds to import

    settings = Settings()
    if not api_url():
        err.print(
            "[red]schedules need a Prefect server[/red]: start one with `prefect server start` and set "
            "PREFECT_API_URL (e.g. http://127.0.0.1:4200/api)",
            highlight=False,
        )
        raise typer.Exit(2)
    for d in deployments(settings):
        schedule = d.schedules[0].schedule if d.schedules else None
        err.print(f"serving {d.flow_name}/{d.name}: {schedule}", highlight=False)
    serve_flows(settings)
