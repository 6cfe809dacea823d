"""The command kit: how an outcome becomes an exit code and one line, and the warehouse a command needs."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

from ecei.cli import kit
from ecei.cli.kit import EXIT_CODES, cell, existing_db, exit_code, json_text, outcomes, parse_day, visible, with_type
from ecei.moments import Edge
from ecei.outcome import Busy, Refused, Status
from tests.cli.helpers import CONTROLS, ECEI, HOSTILE_NAME, ecei, stale_wal
from warehouse.db import WarehouseBusy, connect
from warehouse.query import QueryRefused


def test_every_status_has_its_documented_exit_code() -> None:
    assert {s.value: exit_code(s) for s in Status} == {
        "ok": 0,
        "dry-run": 0,
        "failed": 1,
        "refused": 2,
        "partial": 3,
        "busy": 4,
        "undelivered": 5,
    }
    assert set(EXIT_CODES) == set(Status)
    assert exit_code("partial") == 3  # a use case's plain string maps as its Status does


@pytest.mark.parametrize(
    ("error", "code", "line"),
    [
        (Refused("the pair is not linked"), 2, "refused: the pair is not linked"),
        (QueryRefused("give exactly one statement"), 2, "refused: give exactly one statement"),
        (Busy("a refresh is running"), 4, "busy: a refresh is running"),
        (WarehouseBusy("the warehouse is busy"), 4, "busy: the warehouse is busy"),
    ],
)
def test_outcomes_turn_a_refusal_or_busy_into_one_line_and_its_code(
    error: Exception, code: int, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(typer.Exit) as exited, outcomes():
        raise error
    assert exited.value.exit_code == code
    captured = capsys.readouterr()
    assert captured.err == line + "\n" and captured.out == ""


def test_outcomes_name_a_failure_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as exited, outcomes(failed="failed", detail=with_type):
        raise OSError("disk full")
    assert exited.value.exit_code == 1
    assert capsys.readouterr().err == "failed: OSError: disk full\n"
    with pytest.raises(OSError, match="disk full"), outcomes():
        raise OSError("disk full")
    with pytest.raises(typer.Exit) as passed, outcomes(failed="failed"):
        raise typer.Exit(3)  # a command's own exit goes through untouched
    assert passed.value.exit_code == 3


def test_markup_in_a_message_is_shown_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit), outcomes():
        raise Refused("'[bold]Cluster[/bold]' -> 'X' is not linked")
    assert "[bold]Cluster[/bold]" in capsys.readouterr().err


def test_existing_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.duckdb"
    with pytest.raises(typer.Exit) as exited:
        existing_db(kit.settings(db=missing))
    assert exited.value.exit_code == 2
    assert capsys.readouterr().err == f"no warehouse at {missing}: run `ecei refresh` first, or pass --db\n"
    assert not missing.exists()
    connect(missing).close()
    assert existing_db(kit.settings(db=missing, start_url=None)) == missing


def test_parse_day() -> None:
    assert parse_day("2018-07-01").isoformat() == "2018-07-01"
    # a year or a month is its last day as a business day, its first where a span starts
    assert parse_day("2018").isoformat() == "2018-12-31"
    assert parse_day("2016-02").isoformat() == "2016-02-29"
    assert parse_day("2018", "--since", Edge.START).isoformat() == "2018-01-01"
    assert parse_day("2018-10-15T23:30:00-02:00").isoformat() == "2018-10-16"  # its day in UTC
    with pytest.raises(typer.BadParameter, match=re.escape("not a point in time: '01.07.2018'")):
        parse_day("01.07.2018")
    with pytest.raises(typer.BadParameter, match=re.escape("'run:3' is a run: give its day")):
        parse_day("run:3")


@pytest.mark.parametrize(
    "command",
    [
        ["sql", "select 1"],
        ["link", "A", "B"],
        ["unlink", "A", "B"],
        ["archive", "list"],
        ["archive", "show", "http://x/"],
        ["replay"],
        ["report"],
        ["export", "out"],
        ["history", "A"],
        ["alerts"],
        ["changes", "--since", "run:1"],
        ["status"],
    ],
)
def test_every_command_that_needs_a_warehouse_says_so_the_same_way(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "none.duckdb"
    done = ecei(*command, "--db", str(missing), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == f"no warehouse at {missing}: run `ecei refresh` first, or pass --db\n"
    assert list(tmp_path.iterdir()) == []


# --- what the site writes never drives the terminal ---

# what a terminal would obey: C0 but the line break, DEL, C1, line separators, bidi controls
OBEYED = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
UNTRUSTED = st.text(
    st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(["\x1b", "\x9b", "\x07", "\r", "\u202e", "\u2066", "\x7f", "[", "]", "\n", "\t"]),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(UNTRUSTED)
def test_no_control_character_in_a_cell_reaches_the_terminal(text: str) -> None:
    assert not OBEYED.search(visible(text))
    buffer = io.StringIO()
    table = Table()
    table.add_column(cell(text))
    table.add_column("list")
    table.add_row(cell(text), cell([text, text]))
    Console(file=buffer, width=60, color_system=None).print(table)
    assert not OBEYED.search(buffer.getvalue())


@settings(max_examples=300, deadline=None)
@given(UNTRUSTED)
def test_json_carries_the_same_value_without_a_raw_control(text: str) -> None:
    document = json_text({"name": text, "names": [text]})
    assert not OBEYED.search(document)
    assert json.loads(document) == {"name": text, "names": [text]}


HOSTILE_RUNS = {
    "sql table": ("sql", "select name from clusters_current where name like 'Arena %'"),
    "sql csv": ("sql", "--format", "csv", "select name from clusters_current where name like 'Arena %'"),
    "sql json": ("sql", "--format", "json", "select name from clusters_current where name like 'Arena %'"),
    "history": ("history", HOSTILE_NAME),
    "alerts": ("alerts", "--today", "2013-02-20", "--dry-run"),
}


@pytest.mark.parametrize("args", HOSTILE_RUNS.values(), ids=HOSTILE_RUNS.keys())
def test_a_hostile_name_from_the_site_is_shown_not_obeyed(hostile_db: Path, args: tuple[str, ...]) -> None:
    done = ecei(*args[:1], "--db", str(hostile_db), *args[1:], wide=True)
    assert done.returncode == 0, done.stderr
    assert not any(c in done.stdout + done.stderr for c in CONTROLS)
    # the name is there, its escapes visible: as pictures and escapes, or in JSON as \u escapes
    shown = "\\u001b[31mEyde" if "json" in args else "\N{SYMBOL FOR ESCAPE}[31mEyde"
    assert shown in done.stdout and "evil](javascript:alert(1))" in done.stdout


# --- a --db that cannot be a warehouse: one line, exit 2, nothing written ---


def _text(d: Path, good: Path) -> Path:
    (d / "notes.txt").write_text("not a database\n")
    return d / "notes.txt"


def _directory(d: Path, good: Path) -> Path:
    (d / "folder.duckdb").mkdir()
    return d / "folder.duckdb"


def _empty(d: Path, good: Path) -> Path:
    (d / "empty.duckdb").touch()
    return d / "empty.duckdb"


def _truncated(d: Path, good: Path) -> Path:
    (d / "cut.duckdb").write_bytes(good.read_bytes()[:100_000])
    return d / "cut.duckdb"


def _corrupt(d: Path, good: Path) -> Path:
    body = bytearray(good.read_bytes())
    body[4096 : 4096 + 8192] = b"\xff" * 8192
    (d / "corrupt.duckdb").write_bytes(bytes(body))
    return d / "corrupt.duckdb"


def _stale_wal(d: Path, good: Path) -> Path:
    target = d / "stale.duckdb"
    shutil.copyfile(good, target)
    shutil.copyfile(stale_wal(d / "x"), d / "stale.duckdb.wal")
    return target


def _someone_elses(d: Path, good: Path) -> Path:
    with duckdb.connect(str(d / "theirs.duckdb")) as con:
        con.execute("create table invoices (id integer, total decimal(10, 2))")
        con.execute("insert into invoices values (1, 9.99)")
    return d / "theirs.duckdb"


BAD_DBS: dict[str, Callable[[Path, Path], Path]] = {
    "a text file": _text,
    "a directory": _directory,
    "/dev/null": lambda d, good: Path("/dev/null"),
    "an empty file": _empty,
    "a truncated file": _truncated,
    "a corrupt file": _corrupt,
    "a stale write-ahead log": _stale_wal,
    "someone else's database": _someone_elses,
}
COMMANDS = {
    "refresh": ("refresh", "--start-url", "http://127.0.0.1:9/never-asked"),
    "sql": ("sql", "select 1"),
    "report": ("report", "--out", "{out}"),
    "history": ("history", "Arena Eyde"),
    "alerts": ("alerts", "--dry-run"),
    "link": ("link", "Arena Eyde", "Arena Magica"),
    "changes": ("changes", "--since", "2016-01-01"),
    "status": ("status",),
}


def state(path: Path) -> object:
    """What a command could have changed: the file's bytes and time, and its write-ahead log."""
    if not path.is_file():
        return (path.is_dir(), path.is_char_device(), sorted(p.name for p in path.iterdir()) if path.is_dir() else None)
    wal = path.with_name(path.name + ".wal")
    return (path.read_bytes(), path.stat().st_mtime_ns, wal.read_bytes() if wal.exists() else None)


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
@pytest.mark.parametrize("make", BAD_DBS.values(), ids=BAD_DBS.keys())
def test_a_db_that_cannot_be_a_warehouse_is_one_line_and_exit_2(
    make: Callable[[Path, Path], Path], command: tuple[str, ...], demo_db: Path, tmp_path: Path
) -> None:
    db = make(tmp_path, demo_db)
    before = state(db)
    out = tmp_path / "report.html"
    args = [a.replace("{out}", str(out)) for a in command]
    done = ecei(args[0], "--db", str(db), *args[1:])
    assert done.returncode == 2, done.stderr
    # a read command says first that nothing was published yet (kit.readable_db): not a second problem
    lines = [line for line in done.stderr.strip().splitlines() if not line.startswith("no published copy of")]
    assert len(lines) == 1 and lines[0].startswith(f"refused: {db}"), done.stderr
    assert "nothing was changed" in lines[0] or "left as it is" in lines[0]
    assert state(db) == before and not out.exists()


def test_someone_elses_database_gets_no_tables(demo_db: Path, tmp_path: Path) -> None:
    theirs = _someone_elses(tmp_path, demo_db)
    done = ecei("alerts", "--db", str(theirs))
    assert done.returncode == 2 and "not an ecei warehouse" in done.stderr
    with duckdb.connect(str(theirs), read_only=True) as con:
        assert con.execute("select table_name from duckdb_tables()").fetchall() == [("invoices",)]


def _as_nobody() -> None:
    os.setgid(65534)
    os.setgroups([])
    os.setuid(65534)


@pytest.mark.parametrize("command", ["refresh", "alerts", "link"])
def test_a_read_only_warehouse_is_refused_by_commands_that_write(
    command: str, demo_db: Path, request: pytest.FixtureRequest
) -> None:
    # root may write any file: the command runs as nobody then, in a folder it may write (for its locks).
    # The folder is not under pytest's own temporary root: a pytest process starting meanwhile (another
    # worker) takes the others' bits off that root again, and nobody could not reach the file.
    folder = Path(tempfile.mkdtemp(prefix="ecei-read-only-", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(folder, ignore_errors=True))
    db = folder / "ecei.duckdb"
    shutil.copyfile(demo_db, db)
    db.chmod(0o444)
    if os.geteuid() == 0:
        folder.chmod(0o777)
    before = state(db)
    args = [a.replace("{out}", str(folder / "r.html")) for a in COMMANDS[command]]
    done = subprocess.run(
        [ECEI, args[0], "--db", str(db), *args[1:]],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_as_nobody if os.geteuid() == 0 else None,
    )
    assert done.returncode == 2, done.stderr
    assert (
        done.stderr.strip()
        == f"refused: {db} cannot be written (permission denied); nothing was changed: make it writable, or use a copy"
    )
    assert state(db) == before


BAD_SETTINGS = {
    "ECEI_BUSY_TIMEOUT": ("abc", "a valid number"),
    "ECEI_RETRY_TIMES": ("-1", "greater than or equal to 0"),
    "ECEI_CONCURRENT_REQUESTS": ("9", "less than or equal to 2"),
    "ECEI_POLITE": ("perhaps", "a valid boolean"),
}


@pytest.mark.parametrize("variable", BAD_SETTINGS, ids=BAD_SETTINGS.keys())
@pytest.mark.parametrize(
    "command", [("sql", "select 1"), ("refresh",), ("alerts", "--dry-run")], ids=["sql", "refresh", "alerts"]
)
def test_a_bad_setting_is_one_line_naming_it(variable: str, command: tuple[str, ...], demo_db: Path) -> None:
    value, what = BAD_SETTINGS[variable]
    done = ecei(*command[:1], "--db", str(demo_db), *command[1:], env={**os.environ, variable: value})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"refused: bad setting {variable}={value!r}: ") and what in lines[0]


@pytest.mark.parametrize(
    "args",
    [("sql", "--format", "xml", "select 1"), ("report", "--today", "01.07.2018"), ("sql",), ("nosuch",)],
    ids=["bad value", "bad date", "missing argument", "unknown command"],
)
def test_a_usage_error_is_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    done = ecei(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("usage error: ") and "--help" in lines[0], done.stderr


def test_every_json_document_writes_a_timestamp_with_its_zone_and_a_day_as_a_day() -> None:
    from decimal import Decimal

    from ecei.cli.kit import json_text

    document = {"at": dt.datetime(2021, 9, 15, 9, 0, 1, 5), "day": dt.date(2021, 9, 15), "share": Decimal("0.25")}
    assert json.loads(json_text(document)) == {"at": "2021-09-15T09:00:01Z", "day": "2021-09-15", "share": 0.25}


def test_replay_json_timestamps_carry_their_zone(dated_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(dated_db, db)
    done = ecei("replay", "--db", str(db), "--into", str(tmp_path / "r.duckdb"), "--json")
    assert done.returncode == 0, done.stderr
    assert [r["started_at"] for r in json.loads(done.stdout)["runs"]] == [
        "2016-06-15T09:00:00Z",
        "2018-10-15T09:00:00Z",
        "2021-09-15T09:00:00Z",
    ]


# every numeric or dated option of every command, at the far ends: a usage error naming the option
# and its range, never a traceback from the arithmetic or the SQL the value would have reached
OUT_OF_RANGE = [
    (["changes", "--since", "0001-01-01"], "--since", "1900-01-01 to 2999-12-31"),
    (["changes", "--since", "2018-01-01", "--until", "9999-12-31"], "--until", "1900-01-01 to 2999-12-31"),
    (["changes", "--since", "0001-01-01T00:00+05:00"], "--since", "1900-01-01 to 2999-12-31"),
    (["alerts", "--dry-run", "--as-of", "9999-12-31"], "--as-of", "1900-01-01 to 2999-12-31"),
    (["alerts", "--dry-run", "--today", "0001-01-01"], "--today", "1900-01-01 to 2999-12-31"),
    (["alerts", "--dry-run", "--within", "99999999999"], "--within", "from 1 to 36,500"),
    (["report", "--as-of", "0001-01-01", "--out", "r.html"], "--as-of", "1900-01-01 to 2999-12-31"),
    (["history", "Arena", "--today", "9999-12-31"], "--today", "1900-01-01 to 2999-12-31"),
    (["release", "rel", "--today", "0001-01-01"], "--today", "1900-01-01 to 2999-12-31"),
    (["archive", "list", "--run", "99999999999999999999"], "--run", "from 1 to 2,147,483,647"),
    (["archive", "show", "http://x/", "--run", "0"], "--run", "from 1 to 2,147,483,647"),
    (["feed", "--out", "feeds", "--limit", "99999999999999999999"], "--limit", "from 1 to 10,000"),
]


@pytest.mark.parametrize(("args", "option", "allowed"), OUT_OF_RANGE, ids=[" ".join(a[:2]) for a, _, _ in OUT_OF_RANGE])
def test_an_out_of_range_option_is_a_usage_error(
    args: list[str], option: str, allowed: str, demo_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(demo_db, db)  # a real warehouse: the value would reach its queries
    done = ecei(*args, "--db", str(db), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"usage error: Invalid value for {option}: "), lines
    assert allowed in lines[0]


@pytest.mark.parametrize("value", ["1900-01-01", "2999-12-31", "2999-12-31T23:59:59", "run:3"])
def test_the_ends_of_the_range_are_points(value: str) -> None:
    assert kit.when_parser("--since")(value).text == value


def test_a_number_outside_its_range_names_it() -> None:
    parse = kit.number_parser("--run", 1, 10)
    assert parse(" 10 ") == 10
    for wrong in ("11", "0", "-5", "--5", "1.5", "²", "9" * 5000):
        with pytest.raises(typer.BadParameter, match="not a whole number from 1 to 10"):
            parse(wrong)
