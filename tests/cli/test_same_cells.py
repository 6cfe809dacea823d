"""One value, one cell: what `ecei sql -o`, `ecei changes --format`, `ecei export --format` and
`ecei release` write of the same value reads the same, format by format (ecei.outputs.cells).

The demo warehouse, its cluster renamed in run 3 now named as an attacker would (a formula, with
accents) and without a website, and a view `cells` of the shapes a value takes; every command runs
as a person runs it, in a time zone that is not UTC."""

from __future__ import annotations

import csv
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.cli.helpers import ecei
from tests.ecei.outputs.test_cells import VALUES

NAME = "=SUM(1+1) Agrupació d'Empreses Tèxtils"  # a formula a spreadsheet would run, with accents
RENAMED = "Seafood Innovation Cluster"  # the demo's cluster renamed in run 3
ELSEWHERE = {**os.environ, "TZ": "America/New_York"}


@dataclass(frozen=True)
class Written:
    folder: Path
    cluster_id: str
    day: str  # the release's


def run(*args: str) -> None:
    done = ecei(*args, env=ELSEWHERE)
    assert done.returncode == 0, done.stderr


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def written(dated_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Written:
    folder = tmp_path_factory.mktemp("same-cells")
    db = folder / "ecei.duckdb"
    shutil.copyfile(dated_db, db)
    with duckdb.connect(str(db)) as con:
        found = con.execute("select cluster_id from versions where name = ? limit 1", [RENAMED]).fetchone()
        assert found is not None
        (cluster_id,) = found
        con.execute(
            "update versions set name = ?, website = null where cluster_id = ? and valid_to is null", [NAME, cluster_id]
        )
    at = ["--db", str(db), "--live"]
    for fmt in ("csv", "json"):
        run("changes", *at, "--since", "run:2", "--until", "run:3", "--format", fmt, "--out", str(folder / f"ch.{fmt}"))
    # the list changes wrote, as a value of the view: each command writes it as a list of its own
    fields = next(r for r in read_csv(folder / "ch.csv") if r["cluster_id"] == cluster_id)["changed_fields"]
    listed = "[" + ", ".join(sql_literal(f) for f in json.loads(fields)) + "]::varchar[]"
    with duckdb.connect(str(db)) as con:
        shaped = ", ".join(f"{expr} as {name}" for name, expr in {**VALUES, "fields": listed}.items())
        con.execute(f"create view cells as select {shaped}")
    current = f"select * from cluster_history where cluster_id = '{cluster_id}' and valid_to is null"
    for fmt in ("csv", "json"):
        run("sql", *at, "-o", str(folder / f"cells.{fmt}"), "select * from cells")
        run("sql", *at, "-o", str(folder / f"cluster.{fmt}"), current)
        run("export", *at, "--format", fmt, str(folder / f"export-{fmt}"))
    run("release", "--db", str(db), str(folder / "release"))  # a release reads the live file
    (day,) = [p.name for p in (folder / "release").iterdir() if not p.name.startswith(".")]
    return Written(folder, cluster_id, day)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read(path: Path) -> list[dict[str, Any]]:
    return read_csv(path) if path.suffix == ".csv" else read_json(path)


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("column", [*VALUES, "fields"])
def test_a_value_reads_the_same_from_sql_and_export(written: Written, fmt: str, column: str) -> None:
    (by_sql,) = read(written.folder / f"cells.{fmt}")
    (by_export,) = read(written.folder / f"export-{fmt}" / f"cells.{fmt}")
    assert by_sql[column] == by_export[column]


def the_cluster(rows: list[dict[str, Any]], cluster_id: str) -> dict[str, Any]:
    (row,) = [r for r in rows if r["cluster_id"] == cluster_id and r["valid_to"] in ("", None)]
    return row


def test_a_cluster_reads_the_same_in_every_csv(written: Written) -> None:
    folder, cluster_id = written.folder, written.cluster_id
    (by_sql,) = read_csv(folder / "cluster.csv")
    by_export = the_cluster(read_csv(folder / "export-csv" / "cluster_history.csv"), cluster_id)
    by_release = the_cluster(read_csv(folder / "release" / written.day / "cluster_history.csv"), cluster_id)
    by_changes = next(r for r in read_csv(folder / "ch.csv") if r["cluster_id"] == cluster_id)
    assert by_sql["name"] == by_export["name"] == by_release["name"] == by_changes["new_name"] == "'" + NAME
    assert by_sql["valid_from"] == by_export["valid_from"] == by_release["valid_from"] == by_changes["changed_at"]
    assert by_sql["valid_from"] == "2021-09-15T09:00:00Z"
    assert by_sql["valid_until"] == by_export["valid_until"] == by_release["valid_until"]
    assert by_sql["valid_until"] == by_changes["new_valid_until"]
    assert by_sql["website"] == by_export["website"] == by_release["website"] == by_changes["new_website"] == ""
    assert by_sql["run_id_from"] == by_export["run_id_from"] == by_release["run_id_from"] == "3"
    assert by_sql["is_current"] == by_export["is_current"] == by_release["is_current"] == "true"
    # a list: the fields changes names, as sql and export write the same list
    (cells,) = read_csv(folder / "cells.csv")
    assert by_changes["changed_fields"] == cells["fields"]


def test_a_cluster_reads_the_same_in_every_json(written: Written) -> None:
    folder, cluster_id = written.folder, written.cluster_id
    (by_sql,) = read_json(folder / "cluster.json")
    by_export = the_cluster(read_json(folder / "export-json" / "cluster_history.json"), cluster_id)
    change = next(c for c in read_json(folder / "ch.json")["changes"] if c["cluster_id"] == cluster_id)
    by_changes = {**change["after"], "valid_from": change["changed_at"]}
    for field in ("name", "valid_from", "valid_until", "website"):
        assert by_sql[field] == by_export[field] == by_changes[field], field
    assert (by_sql["name"], by_sql["website"], by_sql["valid_from"]) == (NAME, None, "2021-09-15T09:00:00Z")


def test_a_release_says_its_formats_as_the_registry_does(written: Written) -> None:
    from ecei.outputs.formats import REGISTRY, RELEASE

    package = read_json(written.folder / "release" / written.day / "datapackage.json")
    found = {(r["format"], r["mediatype"], Path(r["path"]).suffix) for r in package["resources"]}
    assert found == {(f, REGISTRY[f].media_type, REGISTRY[f].suffix) for f in RELEASE}
