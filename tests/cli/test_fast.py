"""The read commands' fast path (ecei.cli.fast) answers exactly what typer would: each Fast is its
command's typer declaration, option for option, and a form it reads gives the values typer gives;
a form it does not read is typer's. Run for real, a read command imports no typer at all."""

from __future__ import annotations

import datetime as dt
import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer._click import Command
from typer.core import TyperArgument, TyperOption

from ecei.cli import COMMANDS
from ecei.cli.fast import Declined, Fast, OwnParser, attribute
from tests.cli.helpers import ECEI, ecei
from tests.cli.test_read_imports import a_person, tops

FAST = {name: attribute(line.fast) for name, line in COMMANDS.items() if line.fast is not None}
SPECS = {name: found for name, found in FAST.items() if isinstance(found, Fast)}


def test_the_read_commands_have_a_fast_path() -> None:
    assert set(FAST) == {"status", "history", "changes", "sql"}
    assert isinstance(FAST["sql"], OwnParser) and FAST["sql"] is attribute(COMMANDS["sql"].target)


def _declared(name: str) -> Command:
    return COMMANDS[name].load(name)


@pytest.mark.parametrize("name", SPECS)
def test_a_fast_path_takes_what_the_declaration_takes(name: str) -> None:
    fast, command = SPECS[name], _declared(name)
    arguments = [p.name for p in command.params if isinstance(p, TyperArgument)]
    options = [p for p in command.params if isinstance(p, TyperOption)]
    assert list(fast.arguments) == arguments
    assert all(p.required for p in command.params if isinstance(p, TyperArgument))
    # each option one long name, as the fast path reads it; a flag takes no value
    assert all(len(p.opts) == 1 and not p.secondary_opts for p in options)
    assert {p.opts[0]: p.name for p in options if p.is_flag} == dict(fast.flags)
    assert {p.opts[0]: p.name for p in options if not p.is_flag} == {o: n for o, (n, _) in fast.options.items()}
    assert {p.name for p in options if p.required} == set(fast.required)
    # a parameter left out gets the answer's default: the declaration's
    answer = inspect.signature(fast.answer).parameters
    for p in command.params:
        if not p.required:
            assert answer[p.name].default == p.default, p.name
    assert list(answer) == [p.name for p in command.params]  # the declaration hands them all on


def _vocabulary(name: str, here: Path) -> list[str]:
    fast = SPECS[name]
    words = [*fast.options, *fast.flags, "--help", "-h", "--", "-", "-x", "--no-json", "--db=x"]
    values = ["2018", "2019-03", "2021-09-15", "run:2", "run:0", "nonsense", "", "Arena Legasea", "Norway"]
    values += ["csv", "-1", str(here), str(here / "none.duckdb"), "a//b", "a\x00b", "2018-13", "1899"]
    return words + values


def _typers(command: Command, args: list[str]) -> dict[str, Any]:
    with command.make_context(command.name or "", list(args)) as ctx:
        return dict(ctx.params)


@pytest.mark.parametrize("name", SPECS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_form_read_fast_is_read_alike_by_typer(name: str, data: st.DataObject, tmp_path: Path) -> None:
    fast, command = SPECS[name], _declared(name)
    args = data.draw(st.lists(st.sampled_from(_vocabulary(name, tmp_path)), max_size=7))
    try:
        values = fast.values(args)
    except Declined:
        return  # typer's to read, and to refuse
    defaults = {k: p.default for k, p in inspect.signature(fast.answer).parameters.items()}
    assert _typers(command, args) == {**defaults, **values}, args


@pytest.mark.parametrize(
    ("args", "read"),
    [
        (["Arena Legasea", "--json", "--db", "w.duckdb"], {"name": "Arena Legasea", "as_json": True}),
        (["--today", "2019", "X"], {"name": "X", "today": dt.date(2019, 12, 31)}),
    ],
)
def test_history_reads_its_usual_forms(args: list[str], read: dict[str, Any]) -> None:
    assert read.items() <= SPECS["history"].values(args).items()


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["X", "--json", "--json"],
        ["X", "--db=w.duckdb"],
        ["X", "Y"],
        [],
        ["X", "--today"],
        ["X", "--today", "run:2"],
    ],
)
def test_history_leaves_the_rest_to_typer(args: list[str]) -> None:
    with pytest.raises(Declined):
        SPECS["history"].values(args)


def _today_stamps(text: str) -> str:
    # the latest list is `now`: two runs a second apart name two instants
    return re.sub(rf"{dt.datetime.now(dt.UTC).date().isoformat()}T\d\d:\d\d:\d\dZ", "NOW", text)


@pytest.mark.parametrize(
    ("fast", "typers"),
    [
        (["status", "--db", "DB"], ["status", "--db=DB"]),
        (["history", "Arena Legasea", "--json", "--db", "DB"], ["history", "Arena Legasea", "--json", "--db=DB"]),
        (["history", "Nowhere Cluster", "--db", "DB"], ["history", "Nowhere Cluster", "--db=DB"]),
        (["changes", "--since", "2018", "--db", "DB"], ["changes", "--since=2018", "--db=DB"]),
        (
            ["changes", "--since", "2018", "--format", "csv", "--db", "DB"],
            ["changes", "--since=2018", "--format=csv", "--db=DB"],
        ),
        (["changes", "--since", "2018", "--excel", "--db", "DB"], ["changes", "--since=2018", "--excel", "--db=DB"]),
        (["changes", "--since", "run:9", "--db", "DB"], ["changes", "--since=run:9", "--db=DB"]),
        (["status", "--db", "NONE"], ["status", "--db=NONE"]),
    ],
    ids=[
        "status",
        "history-json",
        "history-none",
        "changes",
        "changes-csv",
        "changes-excel",
        "changes-no-run",
        "no-db",
    ],
)
def test_the_fast_path_says_what_typer_says(fast: list[str], typers: list[str], dated_db: Path, tmp_path: Path) -> None:
    # `--option=VALUE` is a form only typer reads: the same command, through each path
    places = {"DB": str(dated_db), "NONE": str(tmp_path / "none.duckdb")}

    def placed(args: list[str]) -> list[str]:
        return [a.replace("DB", places["DB"]).replace("NONE", places["NONE"]) for a in args]

    env = {**a_person(tmp_path)}
    first, second = ecei(*placed(fast), env=env), ecei(*placed(typers), env=env)
    assert first.returncode == second.returncode
    assert _today_stamps(first.stdout) == _today_stamps(second.stdout)
    assert _today_stamps(first.stderr) == _today_stamps(second.stderr)


# `ecei ARGS` run as the script runs it, then every module it loaded (-X importtime misses those
# imported by importlib, as the registry imports a command's module)
PROBE = """\
import sys
from pathlib import Path
report, sys.argv = Path(sys.argv[1]), ["ecei", *sys.argv[2:]]
from ecei.cli import main
try:
    main()
except SystemExit as exc:
    assert exc.code in (0, 1), exc.code  # the demo's data is stale: status exits 1
finally:
    report.write_text(" ".join(sorted(sys.modules)))
"""


def loaded(args: list[str], tmp_path: Path) -> set[str]:
    report = tmp_path / "modules.txt"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        capture_output=True,
        text=True,
        env=a_person(tmp_path),
        cwd=tmp_path,
        timeout=120,
    )
    assert report.exists(), done.stderr[-2000:]
    return set(report.read_text().split())


# what a read command's usual form loads no more, each a measured part of its start (bench/RESULTS.md):
# typer and its helpers; rich's emoji table (read for any str rendered: a table's Text cells need
# none, a line of markup, as changes --format csv says its summary, does); warehouse.query (only sql
# asks a query); json (only a JSON answer); sqlite3 (only a delivery store that exists); Prefect's
# schedules (only a server); zoneinfo (only a business day); the name matcher (only --country); the
# output writer and CSV cells (only --out, CSV)
NEVER = {"typer", "click", "prefect", "pydantic", "shellingham", "annotated_doc"}
TABLE = {"rich._emoji_codes"}
NEVER |= {"ecei.cli.group", "ecei.cli.status", "ecei.cli.history", "ecei.cli.changes"}  # typer's declarations
READS = {
    "status": (["status"], {*TABLE, "warehouse.query", "json", "sqlite3", "flows.schedules"}),
    "status-json": (["status", "--json"], {"warehouse.query", "sqlite3", "flows.schedules"}),
    "history": (["history", "Arena Legasea"], {*TABLE, "warehouse.query", "json"}),
    "history-json": (["history", "Arena Legasea", "--json", "--today", "2019"], {"warehouse.query", "zoneinfo"}),
    "changes": (
        ["changes", "--since", "2018"],
        {
            *TABLE,
            "warehouse.query",
            "json",
            "zoneinfo",
            "ecei.history.names",
            "ecei.outputs.files",
            "ecei.outputs.csv_cells",
        },
    ),
    "changes-csv": (["changes", "--since", "2018", "--format", "csv"], {"warehouse.query", "ecei.outputs.files"}),
    "sql": (["sql", "select count(*) from clusters_current"], {*TABLE, "json", "ecei.history.names"}),
}


@pytest.mark.parametrize("name", READS)
def test_a_read_command_loads_only_what_its_answer_needs(name: str, dated_db: Path, tmp_path: Path) -> None:
    args, unneeded = READS[name]
    found = loaded([*args, "--db", str(dated_db)], tmp_path)
    assert "duckdb" in found and "ecei.cli.fast" in found  # it did answer, on the fast path
    assert not tops(found) & {n for n in NEVER if "." not in n}
    assert not found & (NEVER | unneeded)


def test_other_forms_and_commands_still_run_through_typer(dated_db: Path, tmp_path: Path) -> None:
    found = loaded(["history", "Arena Legasea", f"--db={dated_db}"], tmp_path)
    assert {"typer", "ecei.cli.group", "ecei.cli.history", "ecei.cli.history_answer"} <= found
    done = subprocess.run([sys.executable, ECEI, "status", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "--json" in done.stdout
