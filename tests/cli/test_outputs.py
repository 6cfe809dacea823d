"""Outputs never destroy inputs (ecei.outputs.files): every -o, --out and OUT_DIR as a user gives it, in real
processes on real files: the warehouse, its published copy, links, FIFOs, and two writers at once."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from ecei.beside import published_path
from tests.cli.helpers import ECEI, ecei

REFUSED = 2


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    """A copy of the refreshed demo warehouse with its published copy beside it, as a refresh leaves them."""
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(demo_db, copy)
    shutil.copyfile(published_path(demo_db), published_path(copy))
    return copy


@pytest.mark.parametrize(
    "args",
    [
        ("sql", "select 1", "-o"),
        ("report", "--today", "2016-06-15", "--out"),
        ("changes", "--since", "2016-01-01", "--format", "csv", "--out"),
    ],
    ids=["sql -o", "report --out", "changes --out"],
)
@pytest.mark.parametrize("which", ["warehouse", "published copy", "lock file"])
def test_an_output_never_replaces_the_warehouse_or_its_copy(db: Path, args: tuple[str, ...], which: str) -> None:
    target = {"warehouse": db, "published copy": published_path(db), "lock file": Path(f"{db}.lock")}[which]
    target.touch()
    before = {p: digest(p) for p in (db, published_path(db), target)}
    done = ecei(*args, str(target), "--db", str(db))
    assert done.returncode == REFUSED, done.stderr
    assert "an output never replaces it" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert {p: digest(p) for p in before} == before
    assert {p.name for p in db.parent.iterdir()} <= {"w.duckdb", "w.published.duckdb", "w.duckdb.lock"}


def test_an_output_never_writes_over_a_link_a_fifo_or_a_device(db: Path, tmp_path: Path) -> None:
    kept = tmp_path / "kept.txt"
    kept.write_text("keep me\n")
    link = tmp_path / "link.csv"
    link.symlink_to(kept)
    device = tmp_path / "device.csv"
    device.symlink_to("/dev/null")  # as /dev/stdout is a link to a device: replacing it breaks the system
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    for target, kind in [(link, "a symbolic link"), (device, "a symbolic link"), (fifo, "a FIFO")]:
        done = ecei("sql", "select 1", "-o", str(target), "--db", str(db))
        assert done.returncode == REFUSED and f"is {kind}" in done.stderr, done.stderr
    assert link.is_symlink() and kept.read_text() == "keep me\n" and device.is_symlink()
    assert fifo.is_fifo() and folder.is_dir()
    changes = ecei("changes", "--since", "2016-01-01", "--out", str(link), "--db", str(db))
    report = ecei("report", "--out", str(folder), "--db", str(db))
    assert changes.returncode == report.returncode == REFUSED, changes.stderr + report.stderr
    assert link.is_symlink() and kept.read_text() == "keep me\n" and folder.is_dir()
    assert not list(tmp_path.glob(".*.partial")) and not list(tmp_path.glob("*.part"))


def test_dash_is_standard_output(db: Path, tmp_path: Path) -> None:
    done = ecei("sql", "select 42 as answer", "--format", "csv", "-o", "-", "--db", str(db), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, "answer\n42\n"), done.stderr
    assert not (tmp_path / "-").exists()


def test_sql_refuses_to_write_its_result_over_its_query_file(db: Path, tmp_path: Path) -> None:
    query = tmp_path / "q.sql"
    query.write_text("select 1")
    done = ecei("sql", "-f", str(query), "-o", str(query), "--format", "csv", "--db", str(db))
    assert done.returncode == REFUSED and "is the input" in done.stderr, done.stderr
    assert query.read_text() == "select 1"


def test_export_refuses_the_warehouse_as_its_folder(db: Path) -> None:
    done = ecei("export", "--format", "csv", str(db), "--db", str(db))
    assert done.returncode == REFUSED and "is the warehouse" in done.stderr, done.stderr
    assert db.is_file()


def test_two_exports_into_one_folder_at_once_leave_whole_files(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    for _ in range(3):
        both = [
            subprocess.Popen(
                [ECEI, "export", "--format", "parquet", str(out), "--db", str(db)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        ended = [p.communicate(timeout=180) for p in both]
        assert [p.returncode for p in both] == [0, 0], [e for _, e in ended]
        assert all("Traceback" not in e for _, e in ended)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".") or not p.name.endswith(".parquet")) == []
    with duckdb.connect(str(db), read_only=True) as con:
        for file in out.iterdir():
            (rows,) = con.execute(f"select count(*) from {file.stem}").fetchone()  # type: ignore[misc]
            (read,) = con.execute("select count(*) from read_parquet(?)", [str(file)]).fetchone()  # type: ignore[misc]
            assert read == rows, file.name


def test_two_releases_of_one_day_at_once_never_replace_each_other(dated_db: Path, tmp_path: Path) -> None:
    for round_ in range(2):  # each round a folder of releases of its own: both start with no release of the day
        out = tmp_path / f"releases-{round_}"
        both = [
            subprocess.Popen(
                [ECEI, "release", str(out), "--db", str(dated_db)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        ended = [p.communicate(timeout=180) for p in both]
        assert sorted(p.returncode for p in both) == [0, REFUSED], ended
        refused = next(e for p, (_, e) in zip(both, ended, strict=True) if p.returncode == REFUSED)
        assert "pass --force to replace it" in refused and "replaced" not in refused
        assert sorted(p.name for p in out.iterdir()) == ["2021-09-15"]  # no half folder left behind
        folder = out / "2021-09-15"
        sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
        assert sums.returncode == 0, sums.stdout + sums.stderr
