"""`ecei schedule` as an operator uses it: the printed cron line runs the job in a real shell, and each
systemd timer fires when cron would (systemd-analyze's own reading of the OnCalendar= printed)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cronsim import CronSim

from tests.cli.helpers import ecei
from tests.receivers import Webhook


def test_the_cron_line_runs_the_alerts_with_secrets_from_the_env_file(
    dated_db: Path, tmp_path: Path, webhook: Webhook
) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(dated_db, db)
    env_file = tmp_path / "ecei.env"
    env_file.write_text(f"ECEI_NOTIFY={webhook.url()}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECEI_")}
    env |= {"ECEI_ALERTS_CRON": "15 7 * * 1-5", "ECEI_TIMEZONE": "Europe/Oslo"}
    done = ecei("schedule", "--cron", "--env-file", str(env_file), "--db", str(db), env=env)
    assert done.returncode == 0, done.stderr
    assert "CRON_TZ=Europe/Oslo" in done.stdout.splitlines()
    assert "SECRET-TOKEN" not in done.stdout  # the channel's URL stays in the file
    (alerts,) = [line for line in done.stdout.splitlines() if line.endswith(" alerts")]
    assert alerts.startswith("15 7 * * 1-5 ")
    command = alerts.split(" ", 5)[5]  # what cron hands to /bin/sh
    ran = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, env=env, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert len(webhook.posts) == 1  # the digest reached the channel the env file names


def test_without_an_env_file_the_cron_lines_say_where_secrets_go(dated_db: Path) -> None:
    done = ecei("schedule", "--db", str(dated_db))
    assert done.returncode == 0, done.stderr
    assert "--env-file" in done.stdout
    jobs = [line for line in done.stdout.splitlines() if not line.startswith(("#", "CRON_TZ="))]
    assert [line.rsplit(" ", 1)[1] for line in jobs] == ["refresh", "alerts"]
    assert all(f"ECEI_DB={dated_db}" in line for line in jobs)


def _cron_times(expression: str, zone: str, start: dt.datetime, count: int) -> list[dt.datetime]:
    it = CronSim(expression, start.astimezone(ZoneInfo(zone)))
    return [next(it).astimezone(dt.UTC).replace(tzinfo=None) for _ in range(count)]


def _systemd_times(on_calendar: str, count: int) -> list[dt.datetime]:
    shown = subprocess.run(
        ["systemd-analyze", "calendar", f"--iterations={count}", on_calendar],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC"},
        check=True,
    ).stdout
    found = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", shown)
    return [dt.datetime.fromisoformat(t) for t in found]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize(
    "expression", ["0 5 * * *", "*/30 6-18 * * 1-5", "15 4 1,15 * *", "0 22 * 3-10 0", "5 0 * * sat,sun"]
)
def test_each_timer_fires_when_cron_would(expression: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECEI_")}
    env |= {"ECEI_REFRESH_CRON": expression, "ECEI_TIMEZONE": "America/New_York"}
    done = ecei("schedule", "--systemd", "--db", str(tmp_path / "w.duckdb"), env=env)
    assert done.returncode == 0, done.stderr
    (calendar,) = re.findall(r"OnCalendar=(.*)", done.stdout.split("ecei-refresh.timer", 1)[1].split("# ----")[0])
    got = _systemd_times(calendar, 6)
    assert got == _cron_times(expression, "America/New_York", dt.datetime.now(dt.UTC), 6)
    assert "Persistent=true" in done.stdout and "ExecStart=" in done.stdout


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("ECEI_REFRESH_CRON", "0 5 1 * 1", "sets both a day of the month and a weekday"),
        ("ECEI_REFRESH_CRON", "0 5 * * 1/2", "a weekday step"),
    ],
)
def test_what_systemd_would_read_otherwise_is_refused(variable: str, value: str, says: str) -> None:
    done = ecei("schedule", "--systemd", env={**os.environ, variable: value})
    assert done.returncode == 2
    assert says in done.stderr and done.stdout == ""


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("ECEI_ALERTS_CRON", "0 25 * * *", "ECEI_ALERTS_CRON: '0 25 * * *' is no cron schedule"),
        ("ECEI_TIMEZONE", "Mars/Olympus", "ECEI_TIMEZONE: 'Mars/Olympus' is no time zone"),
    ],
)
def test_a_bad_schedule_or_zone_is_refused_naming_its_setting(variable: str, value: str, says: str) -> None:
    done = ecei("schedule", env={**os.environ, variable: value})
    assert done.returncode == 2
    assert says in done.stderr and done.stdout == ""
