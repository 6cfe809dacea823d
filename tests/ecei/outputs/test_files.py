"""The one output writer (ecei/outputs/files.py) on real files: what it refuses, and two processes writing
one output at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ecei.beside import published_path
from ecei.outcome import Refused
from ecei.outputs.files import check_output, guard, output_file, write_output

# a writer as each command is one: a whole file of one letter, again and again, through ecei.outputs.files
WRITER = """
import sys
from pathlib import Path
from ecei.outputs.files import guard, write_output
target, letter, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for _ in range(rounds):
    write_output(target, letter * 4_000_000, guard(None), "-o")
"""


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    return db


@pytest.mark.parametrize(
    "name",
    ["w.duckdb", "w.published.duckdb", "w.duckdb.lock", "w.duckdb.deliveries.sqlite-wal", "w.duckdb.wayback.lock"],
)
def test_the_warehouse_its_copy_and_every_file_beside_it_are_refused_by_name(warehouse: Path, name: str) -> None:
    with pytest.raises(Refused, match="an output never replaces it"):
        check_output(warehouse.parent / name, guard(warehouse), "-o")
    # the same through the published copy as the warehouse read, and through a symlink to the warehouse
    link = warehouse.parent / "elsewhere" / "link.duckdb"
    link.parent.mkdir(exist_ok=True)
    link.symlink_to(warehouse)
    for given in (published_path(warehouse), link):
        with pytest.raises(Refused, match="an output never replaces it"):
            check_output(warehouse.parent / name, guard(given), "-o")


def test_a_hard_link_to_the_warehouse_an_input_and_any_database_are_refused(warehouse: Path, tmp_path: Path) -> None:
    hard = tmp_path / "out.csv"
    os.link(warehouse, hard)
    with pytest.raises(Refused, match="under another name"):
        check_output(hard, guard(warehouse), "-o")
    query = tmp_path / "q.sql"
    query.write_text("select 1")
    with pytest.raises(Refused, match="is the input"):
        check_output(query, guard(warehouse, query), "-o")
    other = tmp_path / "someone-else.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(Refused, match="is a database"):
        check_output(other, guard(warehouse), "-o")


def test_links_devices_fifos_and_folders_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    for target, kind in [
        (Path("/dev/null"), "a device"),
        (fifo, "a FIFO"),
        (link, "a symbolic link"),
        (tmp_path, "a folder"),
    ]:
        with pytest.raises(Refused, match=kind):
            check_output(target, guard(None), "-o")
    assert link.is_symlink() and fifo.is_fifo()


def test_a_failed_write_leaves_the_output_as_it_was_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("before\n")
    with pytest.raises(RuntimeError), output_file(target, guard(None), "-o") as partial:
        partial.write_text("half")
        raise RuntimeError("the query failed")
    assert target.read_text() == "before\n" and sorted(tmp_path.iterdir()) == [target]
    write_output(target, "after\n", guard(None), "-o")
    assert target.read_text() == "after\n" and sorted(tmp_path.iterdir()) == [target]


def test_two_processes_writing_one_output_at_once_leave_one_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(target), letter, "15"], stderr=subprocess.PIPE, text=True)
        for letter in "ab"
    ]
    errors = [w.communicate(timeout=120)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    text = target.read_text()
    assert text in ("a" * 4_000_000, "b" * 4_000_000)  # one writer's file, whole
    assert sorted(tmp_path.iterdir()) == [target]  # no temporary file left behind
