"""The refresh and the alerts on their schedule without a Prefect server: the lines for cron, or the
units for systemd, that run `ecei refresh` and `ecei alerts` on ECEI_REFRESH_CRON and ECEI_ALERTS_CRON
in ECEI_TIMEZONE for one warehouse.

Nothing here is secret: ECEI_NOTIFY and the subscriptions' variables stay in an environment file the
operator keeps (`env_file`), which cron sources and systemd reads; the printed lines name its path only.
Prefect stays the way to run them with retries, run history and a UI (`ecei serve`, prefect.yaml).
"""

from __future__ import annotations

import datetime as dt
import shlex
from dataclasses import dataclass
from pathlib import Path

from ecei.outcome import Refused

JOBS = (("refresh", "refresh_cron", "ECEI_REFRESH_CRON"), ("alerts", "alerts_cron", "ECEI_ALERTS_CRON"))
_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # cron counts 0 and 7 as Sunday


@dataclass(frozen=True)
class Job:
    command: str  # `refresh` or `alerts`
    cron: str
    setting: str  # the variable the schedule comes from


def jobs(refresh_cron: str, alerts_cron: str, timezone: str) -> list[Job]:
    """Both jobs, each schedule checked (cronsim, as Prefect's own schedules read it) and the zone known;
    Refused naming the setting otherwise."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from cronsim import CronSim, CronSimError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Refused(f"ECEI_TIMEZONE: {timezone!r} is no time zone (e.g. Europe/Berlin)") from None
    found = []
    for (command, _, setting), expression in zip(JOBS, (refresh_cron, alerts_cron), strict=True):
        try:
            CronSim(expression, dt.datetime(2026, 1, 1))
        except CronSimError as exc:
            raise Refused(f"{setting}: {expression!r} is no cron schedule ({exc})") from None
        found.append(Job(command, expression, setting))
    return found


def _shell_line(ecei: Path, db: Path, job: Job, env_file: Path | None) -> str:
    run = f"ECEI_DB={shlex.quote(str(db))} {shlex.quote(str(ecei))} {job.command}"
    if env_file is not None:  # set -a: every variable the file sets reaches ecei
        run = f"set -a && . {shlex.quote(str(env_file))} && set +a && {run}"
    return run


def crontab(ecei: Path, db: Path, job_list: list[Job], timezone: str, env_file: Path | None) -> str:
    """A crontab fragment: one line per job, in the schedule's zone (CRON_TZ, which cronie honours)."""
    lines = [
        f"# ecei-watch: the refresh and the alerts of {db}",
        f"# CRON_TZ is honoured by cronie; a cron without it runs these in the system's zone, not {timezone}",
        f"CRON_TZ={timezone}",
    ]
    if env_file is None:
        lines.append("# ECEI_NOTIFY and other secrets: keep them in a file only you can read, and pass --env-file")
    for job in job_list:
        lines.append(f"# ecei {job.command}: {job.setting}")
        lines.append(f"{job.cron} {_shell_line(ecei, db, job, env_file)}")
    return "\n".join(lines) + "\n"


def on_calendar(expression: str, timezone: str) -> str:
    """A five-field cron schedule as systemd's OnCalendar=; Refused for what OnCalendar cannot say the
    same way (a day of the month and a weekday both set: cron runs on either, OnCalendar on both)."""
    minute, hour, dom, month, dow = expression.split()
    if dom != "*" and dow != "*":
        raise Refused(
            f"{expression!r} sets both a day of the month and a weekday, which systemd reads otherwise than "
            "cron: use --cron, or Prefect (`ecei serve`)"
        )
    weekdays = "" if dow == "*" else ",".join(_weekday(part) for part in dow.split(",")) + " "
    return f"{weekdays}*-{_field(month)}-{_field(dom)} {_field(hour)}:{_field(minute)}:00 {timezone}"


def _field(part: str) -> str:
    """One cron field in OnCalendar's words: `a-b` is `a..b`, a step stays `/n`, `*` stays `*`."""
    if "/" in part:
        base, step = part.split("/", 1)
        start = "0" if base == "*" else base.split("-")[0]
        return f"{start}/{step}"
    return ",".join(p.replace("-", "..") for p in part.split(","))


def _weekday(part: str) -> str:
    if "/" in part:
        raise Refused(f"a weekday step ({part!r}) has no OnCalendar form: use --cron, or Prefect (`ecei serve`)")
    if "-" in part:
        first, last = part.split("-", 1)
        return f"{_day(first)}..{_day(last)}"
    return _day(part)


def _day(text: str) -> str:
    if text.isdigit() and int(text) < len(_DAYS):
        return _DAYS[int(text)]
    if text[:3].capitalize() in _DAYS:
        return text[:3].capitalize()
    raise Refused(f"{text!r} is no weekday")


def systemd_units(
    ecei: Path, db: Path, job_list: list[Job], timezone: str, env_file: Path | None, name: str = "ecei"
) -> dict[str, str]:
    """A service and a timer per job, by file name: `<name>-refresh.service`, `<name>-refresh.timer`, ..."""
    units: dict[str, str] = {}
    for job in job_list:
        service = [
            "[Unit]",
            f"Description=ecei-watch: ecei {job.command} of {db}",
            "",
            "[Service]",
            "Type=oneshot",
            f"Environment={shlex.quote(f'ECEI_DB={db}')}",
        ]
        if env_file is not None:
            service.append(f"EnvironmentFile={env_file}")
        service.append(f"ExecStart={shlex.quote(str(ecei))} {job.command}")
        units[f"{name}-{job.command}.service"] = "\n".join(service) + "\n"
        units[f"{name}-{job.command}.timer"] = (
            "\n".join(
                [
                    "[Unit]",
                    f"Description=ecei-watch: ecei {job.command} on {job.setting} ({job.cron})",
                    "",
                    "[Timer]",
                    f"OnCalendar={on_calendar(job.cron, timezone)}",
                    "Persistent=true",  # a run missed while the machine was off runs at the next start
                    "",
                    "[Install]",
                    "WantedBy=timers.target",
                ]
            )
            + "\n"
        )
    return units
