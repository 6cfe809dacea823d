"""The published copy (ecei/outputs/publish.py, ecei/refresh/aftermath.py): readers in real processes through real
refreshes never wait and always see one whole run; every writer publishes; a failed publish is a warning."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from ecei.alerts.run import run_alerts
from ecei.beside import published_path
from ecei.demo.mirror import Fault, Mirror, demo_site
from ecei.history.identity import decide_link
from ecei.outputs.publish import publish
from ecei.rebuild.replay import replay
from ecei.refresh.aftermath import after_write
from ecei.refresh.run import refresh
from ecei.settings import Settings
from tests.cli.helpers import ECEI
from tests.conftest import COUNTRY_PATH, POLAND, query, rename_header
from tests.ecei.history.test_identity import seafood_renamed
from warehouse.db import connect

# one answer names the run it comes from and figures only that run's merge (or settlement) makes
WHOLE_RUN = (
    "select (select max(run_id) from crawl_runs) as run_id, "
    "(select status from crawl_runs order by run_id desc limit 1) as status, "
    "(select count(*) from clusters_current) as clusters, "
    "(select count(*) from cluster_history) as versions"
)
BUSY = 4

# a reader as any program would be one: DuckDB opening the published copy read-only, again and again
PYTHON_READER = """
import duckdb, json, sys, pathlib
copy, stop, query = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
while not stop.exists():
    with duckdb.connect(copy, read_only=True) as con:
        print(json.dumps(con.execute(query).fetchone()), flush=True)
"""

# a reader that keeps one connection to the copy it opened across publishes: it reads that copy whole
HOLDING_READER = """
import duckdb, json, sys, pathlib, time
copy, go, query = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
con = duckdb.connect(copy, read_only=True)
print(json.dumps(con.execute(query).fetchone()), flush=True)
while not go.exists():
    time.sleep(0.05)
print(json.dumps(con.execute(query).fetchone()), flush=True)
"""


def figures_of(db: Path) -> tuple[Any, ...]:
    return tuple(query(db, WHOLE_RUN)[0])


def _sql_reader(db: Path, stop: threading.Event, answers: list[tuple[int, str]]) -> None:
    while not stop.is_set():
        done = subprocess.run(
            [ECEI, "sql", "--db", str(db), "--format", "json", WHOLE_RUN], capture_output=True, text=True, timeout=120
        )
        answers.append((done.returncode, done.stdout if done.returncode == 0 else done.stderr))


def refresh_to(settings: Settings, mirror: Mirror, snapshot: str, faults: dict[str, Fault] | None = None) -> Any:
    mirror.switch(demo_site(snapshot))
    mirror.faults = faults or {}
    return refresh(settings)


def test_readers_never_wait_and_see_one_whole_run_through_refreshes(
    settings: Settings, mirror: Mirror, tmp_path: Path
) -> None:
    db = Path(settings.db)
    first = refresh_to(settings, mirror, "2016-06")
    assert first.status == "ok" and first.notices == []
    copy = published_path(db)
    runs: dict[Any, tuple[Any, ...]] = {first.run_id: figures_of(copy)}  # what each run's published copy answers, whole
    assert figures_of(db) == runs[first.run_id]

    stop, go, stop_file = threading.Event(), tmp_path / "go", tmp_path / "stop"
    sql_answers: list[list[tuple[int, str]]] = [[] for _ in range(3)]
    threads = [threading.Thread(target=_sql_reader, args=(db, stop, a)) for a in sql_answers]
    python_reader = subprocess.Popen(
        [sys.executable, "-c", PYTHON_READER, str(copy), str(stop_file), WHOLE_RUN], stdout=subprocess.PIPE, text=True
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDING_READER, str(copy), str(go), WHOLE_RUN], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    held_first = json.loads(holder.stdout.readline())
    for t in threads:
        t.start()
    try:
        for snapshot, faults in [
            ("2018-10", None),
            ("2021-09", {COUNTRY_PATH + POLAND: Fault(rewrite=rename_header)}),  # fails: a failed run is news too
            ("2021-09", None),
        ]:
            result = refresh_to(settings, mirror, snapshot, faults)
            assert result.status == ("failed" if faults else "ok"), result.message
            assert result.notices == []
            # published as it started (running, the list as before) and as it ended: each a whole write
            runs[f"{result.run_id} running"] = (result.run_id, "running", *list(runs.values())[-1][2:])
            runs[result.run_id] = figures_of(db)
            # published before refresh returned: the copy answers what the live file does
            assert figures_of(copy) == runs[result.run_id]
            assert figures_of(copy)[1] == result.status
    finally:
        stop.set()
        stop_file.touch()
        go.touch()
        for t in threads:
            t.join(timeout=180)
        python_out, _ = python_reader.communicate(timeout=120)
        held_out, _ = holder.communicate(timeout=120)

    answers = [a for each in sql_answers for a in each]
    busy = [a for a in answers if a[0] == BUSY]
    failed = [a for a in answers if a[0] != 0]
    reads = len(python_out.splitlines())
    print(f"readers: {len(answers)} ecei sql answers ({len(busy)} busy, {len(failed)} failed), {reads} python reads")
    assert busy == [] and failed == []
    seen = [tuple(json.loads(text)[0].values()) for _, text in answers]
    seen += [tuple(json.loads(line)) for line in python_out.splitlines()]
    assert python_reader.returncode == 0
    assert all(figures in runs.values() for figures in seen), set(seen) - set(runs.values())
    assert len(set(seen)) >= 2  # the readers read across publishes
    # the reader that kept its copy open read the run it opened, whole, after three publishes
    assert holder.returncode == 0
    assert [tuple(json.loads(line)) for line in held_out.splitlines()] == [tuple(held_first)]
    assert tuple(held_first) == runs[first.run_id]


def test_link_and_unlink_publish(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with closing(connect(db)) as con:
        seafood_renamed(con, tmp_path)
    settings = Settings(db=db)
    decisions = "select linked, decided_by from cluster_link_decisions where decided_by = 'person' order by all"
    old, new = "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster"
    assert not published_path(db).exists()

    decide_link(settings, old, new, linked=True, country="Norway")
    assert query(published_path(db), decisions) == [(True, "person")] == query(db, decisions)
    decide_link(settings, old, new, linked=False, country=None)
    assert query(published_path(db), decisions) == query(db, decisions) != [(True, "person")]


def test_an_alerts_run_publishes_and_a_dry_run_does_not(dated_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    shutil.copyfile(dated_db, db)
    settings = Settings(db=db)
    today = dt.date(2021, 9, 15)

    run_alerts(settings, today=today, notify=[], dry_run=True)
    assert not published_path(db).exists()
    result = run_alerts(settings, today=today, notify=[])
    assert result.raised
    ledger = "select count(*) from alert_runs"
    assert query(published_path(db), ledger) == [(1,)] == query(db, ledger)


def test_a_failed_publish_is_a_warning_and_not_the_outcome(settings: Settings, mirror: Mirror) -> None:
    first = refresh_to(settings, mirror, "2016-06")
    copy = published_path(Path(settings.db))
    copy.unlink()
    copy.mkdir()  # a folder where the copy goes: the rename onto it fails
    second = refresh_to(settings, mirror, "2018-10")
    assert second.status == "ok"
    assert len(second.notices) == 1
    assert f"not published after the refresh run {second.run_id}" in second.notices[0]
    copy.rmdir()

    assert after_write(settings, "test write") == []
    assert figures_of(copy)[0] == second.run_id != first.run_id
    assert not list(copy.parent.glob("*.partial"))  # no half copy left behind


def test_publishing_off_removes_the_copy(settings: Settings, mirror: Mirror) -> None:
    refresh_to(settings, mirror, "2016-06")
    assert published_path(Path(settings.db)).exists()
    assert after_write(settings.model_copy(update={"publish": False}), "test write") == []
    assert not published_path(Path(settings.db)).exists()


def test_the_copy_is_read_only_and_whole(dated_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    shutil.copyfile(dated_db, db)
    done = publish(db, busy_timeout=5)
    assert done.path == published_path(db) == tmp_path / "ecei.published.duckdb"
    assert done.size == db.stat().st_size
    assert done.path.stat().st_mode & 0o222 == 0
    assert figures_of(done.path) == figures_of(db)


def test_an_in_place_replay_publishes_and_one_into_another_file_does_not(
    loaded: Callable[[str], Path], tmp_path: Path
) -> None:
    db = tmp_path / "ecei.duckdb"
    shutil.copyfile(loaded("2016-06"), db)
    replay(db, into=tmp_path / "other.duckdb")
    assert not published_path(db).exists() and not published_path(tmp_path / "other.duckdb").exists()
    replay(db, in_place=True)
    runs = "select run_id, status, rows_loaded from crawl_runs order by all"
    assert query(published_path(db), runs) == query(db, runs) != []
