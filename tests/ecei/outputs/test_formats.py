"""The format registry (ecei.outputs.formats): each command offers its formats from it and no other,
and a format added to it shows in the commands that take it, written as every format is."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ecei.outputs import formats
from ecei.outputs.formats import REGISTRY, by_suffix, choices, pick, suffixes
from tests.cli.helpers import ecei

COMMANDS = {"sql": formats.SQL, "changes": formats.CHANGES, "export": formats.EXPORT}


def offered(help_text: str) -> list[str]:
    """The formats a command's --help names for --format."""
    flat = " ".join(help_text.replace("│", " ").split())
    found = re.search(r"--format (?:FORMAT|<str>) (.*?) (?:\(any case\)|\[default)", flat)  # not the usage line
    assert found, flat
    return re.split(r", | or ", found.group(1))


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_offers_its_formats_from_the_registry(command: str) -> None:
    done = ecei(command, "--help", wide=True)
    assert done.returncode == 0, done.stderr
    assert offered(done.stdout) == list(COMMANDS[command])


@pytest.mark.parametrize(("command", "other"), [("sql", "parquet"), ("changes", "tsv"), ("export", "markdown")])
def test_a_format_of_the_registry_a_command_does_not_take_is_a_usage_error(
    command: str, other: str, dated_db: Path, tmp_path: Path
) -> None:
    assert other in REGISTRY and other not in COMMANDS[command]
    args = {"sql": ["select 1"], "changes": ["--since", "run:1"], "export": [str(tmp_path / "out")]}[command]
    done = ecei(command, "--db", str(dated_db), "--live", "--format", other, *args)
    assert done.returncode == 2 and "usage error" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_every_format_a_command_takes_has_what_writes_it_there() -> None:
    for f in pick(formats.SQL):
        assert f.rows is not None or f.name == "table", f.name  # the table is drawn by the command
    for f in pick(formats.CHANGES):
        assert f.rows is not None or f.name in ("table", "html"), f.name  # its page is the command's
    for f in pick((*formats.EXPORT, *formats.RELEASE)):
        assert f.copy is not None and f.suffixes and f.media_type, f.name
    for name, f in REGISTRY.items():
        assert f.name == name and all(s.startswith(".") and s == s.lower() for s in f.suffixes)
    assert len(suffixes(tuple(REGISTRY))) == sum(len(f.suffixes) for f in REGISTRY.values())  # one format a suffix


def test_a_file_names_its_format_among_the_commands_own() -> None:
    assert by_suffix("out/x.CSV", formats.SQL) == "csv" and by_suffix("x.ndjson", formats.SQL) == "jsonl"
    assert by_suffix("x.htm", formats.CHANGES) == "html" and by_suffix("x.html", formats.SQL) is None
    assert by_suffix("x", formats.SQL) is None and by_suffix("x.parquet", formats.EXPORT) == "parquet"
    assert choices(("parquet", "csv", "json")) == "parquet, csv or json" and choices(("csv",)) == "csv"


# A new format, as an edit of ecei/outputs/formats.py makes one: its entry, and its name in the
# commands that take it (here sql, export and release, not changes). Nothing else is told of it.
WITH_PSV = """
import sys
from functools import partial

from ecei.outputs import formats
from ecei.outputs.cells import Cells

formats.REGISTRY["psv"] = formats.Format(
    "psv", (".psv",), "text/x-psv", Cells.DELIMITED,
    rows=partial(formats.write_delimited, delimiter="|"), copy="format csv, header true, delimiter '|'",
)
formats.SQL += ("psv",)
formats.EXPORT += ("psv",)
formats.RELEASE += ("psv",)

from ecei.cli import main

sys.argv[0] = "ecei"
main()
"""


def with_psv(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-c", WITH_PSV, *args], capture_output=True, text=True, env=env, timeout=180)


def read_psv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="|"))


def test_a_new_format_shows_in_the_commands_that_take_it(dated_db: Path, tmp_path: Path) -> None:
    assert offered(with_psv("sql", "--help").stdout) == [*formats.SQL, "psv"]
    assert offered(with_psv("export", "--help").stdout) == [*formats.EXPORT, "psv"]
    assert offered(with_psv("changes", "--help").stdout) == list(formats.CHANGES)
    at = ["--db", str(dated_db), "--live"]
    query = "select valid_from, name, ['ICT', 'Health'] as portfolios from cluster_history order by all limit 1"
    done = with_psv("sql", *at, "-o", str(tmp_path / "first.psv"), query)  # its suffix names it
    assert done.returncode == 0, done.stderr
    (by_sql,) = read_psv(tmp_path / "first.psv")
    done = with_psv("export", *at, "--format", "PSV", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    by_export = read_psv(tmp_path / "out" / "cluster_history.psv")  # written by DuckDB, as the rule says
    assert by_sql["valid_from"] == min(r["valid_from"] for r in by_export) == "2016-06-15T09:00:00Z"
    assert by_sql["portfolios"] == '["ICT","Health"]'
    done = with_psv("release", "--db", str(dated_db), str(tmp_path / "release"))
    assert done.returncode == 0, done.stderr
    (package,) = (tmp_path / "release").glob("*/datapackage.json")
    kinds = {(r["format"], r["mediatype"], r["path"]) for r in json.loads(package.read_text())["resources"]}
    assert ("psv", "text/x-psv", "cluster_history.psv") in kinds
    assert read_psv(package.parent / "cluster_history.psv")[0]["valid_from"].endswith("Z")
