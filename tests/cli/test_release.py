"""`ecei release` as a user runs it, on the demo warehouse: the dated folder, its checks by the
frictionless library and by coreutils' sha256sum, and what it refuses."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import duckdb
import frictionless

from tests.cli.helpers import ecei


def rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


def warehouse_count(db: Path, view: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        (n,) = con.execute(f"select count(*) from {view}").fetchone()  # type: ignore[misc]
    return n


def test_release_writes_a_valid_dated_package(dated_db: Path, tmp_path: Path) -> None:
    done = ecei("release", str(tmp_path / "releases"), "--db", str(dated_db), wide=True)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "releases" / "2021-09-15"  # the day of the demo's last refresh
    assert "clusters_current.parquet" in done.stdout and "SHA256SUMS" in done.stdout
    assert f"wrote {folder}" in done.stderr and "refresh 3 at 2021-09-15T09:00:00Z; first release" in done.stderr
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.errors == []  # the package's own metadata
    checked = [task for task in report.tasks if task.place.endswith(".csv")]
    assert len(checked) == 2 and all(task.valid for task in checked), [t.errors for t in checked]
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True, check=False)
    assert sums.returncode == 0 and sums.stdout.count(": OK") == 6, sums.stdout + sums.stderr
    assert rows(folder / "clusters_current.csv") == warehouse_count(dated_db, "clusters_current") == 73
    assert rows(folder / "cluster_history.csv") == warehouse_count(dated_db, "cluster_history") == 90


def test_an_existing_release_exits_2_unless_forced(dated_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "releases"
    assert ecei("release", str(out), "--db", str(dated_db)).returncode == 0
    again = ecei("release", str(out), "--db", str(dated_db))
    assert again.returncode == 2 and again.stdout == ""
    assert "exists already: pass --force to replace it" in again.stderr
    forced = ecei("release", str(out), "--db", str(dated_db), "--force")
    assert forced.returncode == 0, forced.stderr
    assert f"replaced {out / '2021-09-15'}" in forced.stderr
    assert sorted(p.name for p in out.iterdir()) == ["2021-09-15"]


def test_release_refuses_a_day_before_its_data_and_a_missing_warehouse(dated_db: Path, tmp_path: Path) -> None:
    early = ecei("release", str(tmp_path / "r"), "--db", str(dated_db), "--today", "2021-09-14")
    assert early.returncode == 2 and "before the release's observation" in early.stderr
    assert list((tmp_path / "r").iterdir()) == []
    bad = ecei("release", str(tmp_path / "r"), "--db", str(dated_db), "--today", "15.09.2021")
    assert bad.returncode == 2 and "--today" in bad.stderr
    missing = ecei("release", str(tmp_path / "r"), "--db", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 2 and "no warehouse" in missing.stderr
