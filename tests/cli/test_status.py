"""`ecei status` as a monitor runs it: its report, its JSON and its exit code, on real warehouses, during
a real refresh, against a Prefect server that never answers."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from ecei.beside import published_path
from ecei.demo.mirror import Fault, demo_site, serve
from ecei.outputs.publish import publish
from ecei.settings import Settings
from tests.cli.helpers import ecei
from tests.conftest import COUNTRY_PATH, NORWAY
from tests.ecei.processes import held_for_writing, start_refresh, wait_for
from tests.warehouse.staged_runs import merge, row
from warehouse.db import connect
from warehouse.runs import utcnow


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a machine without a Prefect server: no PREFECT_API_URL, a Prefect home of its own."""
    plain = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ECEI_"))}
    return {**plain, "PREFECT_HOME": str(tmp_path / "prefect-home"), "COLUMNS": "200"}


def built(tmp_path: Path, age: dt.timedelta) -> Path:
    db = tmp_path / "w.duckdb"
    label = (utcnow() + dt.timedelta(days=200)).date().isoformat()
    with closing(connect(db)) as con:
        merge(con, tmp_path / "stage", [row("Arena Alpha", label)], utcnow() - age)
    publish(db, busy_timeout=5)  # as every writer does: status reads the published copy
    return db


def run_status(db: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    done = ecei("status", "--db", str(db), *args, env=env, cwd=db.parent)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


def test_healthy_exits_0(tmp_path: Path, env: dict[str, str]) -> None:
    db = built(tmp_path, dt.timedelta(hours=1))
    code, stdout, stderr = run_status(db, env)
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert lines[0] == f"warehouse     {db.resolve()}, {db.stat().st_size / 1e6:.1f} MB"
    assert lines[1].startswith("last refresh  run 1: ok, started ") and "(1 h ago), took " in lines[1]
    assert lines[2].startswith("              rows seen / stated total")
    assert "fresh: the last complete refresh is run 1" in stdout
    assert "alerts        0 pending; no channel configured (ECEI_NOTIFY)" in stdout
    assert "schedules     no Prefect server configured (PREFECT_API_URL)" in stdout
    assert stderr.strip() == "healthy"


def test_stale_exits_1_and_says_why(tmp_path: Path, env: dict[str, str]) -> None:
    db = built(tmp_path, dt.timedelta(days=5))
    code, stdout, stderr = run_status(db, env, "--json")
    assert code == 1
    document = json.loads(stdout)
    assert (document["status"], document["verdict"]) == ("failed", "stale")
    assert document["data"]["stale"] and document["data"]["days_since_complete"] == 5
    assert document["message"].startswith("no complete refresh for 5 days (the last, run 1, started ")
    assert document["last_refresh"]["run_id"] == 1 and document["last_refresh"]["started_at"].endswith("Z")
    assert document["warehouse"] == {"path": str(db.resolve()), "bytes": db.stat().st_size, "wal_bytes": None}
    assert document["schedules"] == {"server": None, "error": None, "deployments": [], "runs": []}
    assert stderr == ""  # --json: the document alone


def test_undelivered_alerts_exit_5(tmp_path: Path, env: dict[str, str]) -> None:
    db = built(tmp_path, dt.timedelta(hours=1))
    closed = "json://127.0.0.1:9/hooks/SECRET-TOKEN-42"  # nothing listens on port 9
    alerts = ecei("alerts", "--db", str(db), "--within", "365", "--notify", closed, env=env)
    assert alerts.returncode == 5, alerts.stderr
    code, stdout, stderr = run_status(db, {**env, "ECEI_NOTIFY": closed})
    assert code == 5
    assert "json://127.0.0.1:9: 1 pending, 1 not taken (last error: " in stdout
    assert stderr.startswith("undelivered: alerts stay undelivered on json://127.0.0.1:9 (1)")
    assert "SECRET-TOKEN" not in stdout + stderr


def test_busy_exits_4_and_still_names_the_file(tmp_path: Path, env: dict[str, str]) -> None:
    db = built(tmp_path, dt.timedelta(hours=1))
    with held_for_writing(db):
        assert run_status(db, {**env, "ECEI_BUSY_TIMEOUT": "0.3"})[0] == 0  # the published copy is never busy
        code, stdout, stderr = run_status(db, {**env, "ECEI_BUSY_TIMEOUT": "0.3"}, "--live")
    assert code == 4
    assert stdout.startswith(f"warehouse     {db.resolve()}")
    assert "last refresh  unknown: busy" in stdout
    assert stderr.startswith("busy: the warehouse") and "waited 0." in stderr


def test_answers_while_a_refresh_crawls(tmp_path: Path, env: dict[str, str]) -> None:
    db = built(tmp_path, dt.timedelta(hours=1))
    with serve(demo_site("2016-06")) as mirror:
        mirror.faults[COUNTRY_PATH + NORWAY] = Fault(hang=True)  # the crawl waits on Norway's page
        refresh = start_refresh(Settings(start_url=mirror.start_url, db=db), ECEI_DOWNLOAD_TIMEOUT="30")
        try:
            # the run is published as it starts (ecei.refresh.aftermath), so that readers see it running
            wait_for(lambda: _running(published_path(db)), "the refresh to record its run and start crawling")
            code, stdout, stderr = run_status(db, env)
        finally:
            refresh.kill()
            refresh.communicate(timeout=60)
    assert code == 0, stderr  # the refresh before it was complete and recent
    assert "last refresh  run 2: running, started " in stdout


def _running(db: Path) -> bool:
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute("select count(*) from runs where status = 'running'").fetchone() == (1,)
    except duckdb.IOException:  # the refresh holds it for a moment to record the run
        return False


def test_no_warehouse_exits_2(tmp_path: Path, env: dict[str, str]) -> None:
    code, _, stderr = run_status(tmp_path / "none.duckdb", env)
    assert code == 2 and "no warehouse at" in stderr


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A Prefect API URL whose server takes the connection and never answers (the kernel accepts it)."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(16)
        yield f"http://127.0.0.1:{listening.getsockname()[1]}/api"


def test_a_prefect_server_that_never_answers_is_reported_not_waited_on(
    tmp_path: Path, env: dict[str, str], silent_server: str
) -> None:
    db = built(tmp_path, dt.timedelta(hours=1))
    code, stdout, stderr = run_status(db, {**env, "PREFECT_API_URL": silent_server}, "--json")
    assert code == 0, stderr  # the schedules are reported, they do not make the watcher unhealthy
    schedules = json.loads(stdout)["schedules"]
    assert schedules["server"] == silent_server.removesuffix("/api")
    assert schedules["error"] == "the Prefect server did not answer within 5 s" and schedules["runs"] == []


def alias_bomb() -> str:
    """A few hundred bytes of YAML whose aliases expand to 9**9 (387 million) strings."""
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    return "\n".join([*lines, "subscriptions: []", "all: *a8", ""])


def _capped_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))  # the bomb wants more than 3 GB


@pytest.mark.parametrize("command", [["status"], ["alerts", "--dry-run"]])
def test_an_alias_bomb_is_one_line_naming_its_line(tmp_path: Path, env: dict[str, str], command: list[str]) -> None:
    import subprocess

    from tests.cli.helpers import ECEI

    db = built(tmp_path, dt.timedelta(hours=1))
    bomb = tmp_path / "subscriptions.yaml"
    bomb.write_text(alias_bomb())
    assert len(bomb.read_bytes()) < 600
    done = subprocess.run(
        [ECEI, *command, "--db", str(db)],
        env={**env, "ECEI_SUBSCRIPTIONS": str(bomb)},
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_capped_memory,
    )
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr, done.stderr[-500:]
    assert done.returncode == (1 if command == ["status"] else 2), done.stderr
    said = [line for line in done.stderr.splitlines() if "subscriptions.yaml" in line]
    assert len(said) == 1 and "line 1: &a0: anchors and aliases are not accepted" in said[0], done.stderr
