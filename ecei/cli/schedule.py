"""`ecei schedule`: the cron lines, or systemd units, that run the refresh and the alerts on their schedule."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ecei.cli.kit import DbOption, outcomes, settings
from ecei.refresh.schedule import crontab, jobs, systemd_units


def schedule_command(
    cron: Annotated[bool, typer.Option("--cron", help="Print a crontab fragment (the default)")] = False,
    systemd: Annotated[bool, typer.Option("--systemd", help="Print a systemd service and timer per job")] = False,
    env_file: Annotated[
        Path | None,
        typer.Option(
            "--env-file",
            help="A file of VAR=value lines (ECEI_NOTIFY, the subscriptions' variables) the jobs read; "
            "kept out of the printed lines",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Print what runs `ecei refresh` and `ecei alerts` on ECEI_REFRESH_CRON and ECEI_ALERTS_CRON (in
    ECEI_TIMEZONE) for this warehouse, without a Prefect server: crontab lines, or with --systemd a
    service and a timer per job. Prefect (`ecei serve`) adds retries, run history and a UI.

    Exit codes: 0 printed, 2 refused (a schedule systemd cannot say the same way, a bad setting).
    """
    if cron and systemd:
        raise typer.BadParameter("give --cron or --systemd, not both")
    chosen = settings(db=db)
    warehouse = Path(chosen.db).absolute()
    ecei = Path(sys.executable).with_name("ecei")
    env = env_file.absolute() if env_file is not None else None
    with outcomes():
        job_list = jobs(chosen.refresh_cron, chosen.alerts_cron, chosen.timezone)
        if not systemd:
            typer.echo(crontab(ecei, warehouse, job_list, chosen.timezone, env), nl=False)
            return
        units = systemd_units(ecei, warehouse, job_list, chosen.timezone, env)
    for name, text in units.items():
        typer.echo(f"# ---- {name} (in /etc/systemd/system/ or ~/.config/systemd/user/)")
        typer.echo(text)
    timers = " ".join(n for n in units if n.endswith(".timer"))
    typer.echo(f"# then: systemctl daemon-reload && systemctl enable --now {timers}")
