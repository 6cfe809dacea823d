"""Every CSV ecei writes holds a name from the site that a spreadsheet would run as text: `ecei sql`,
`export`, `release` and `changes`, written by Python or by DuckDB; Parquet and JSON keep it exactly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb

from ecei.outputs.csv_cells import NOTE
from tests.cli.helpers import FORMULA_NAME, ecei

SAFE = "'" + FORMULA_NAME


def names(text: str, delimiter: str = ",") -> set[str]:
    return {row["name"] for row in csv.DictReader(io.StringIO(text), delimiter=delimiter)}


def test_sql_csv_and_tsv_write_the_name_as_text(formula_db: Path) -> None:
    statement = "select name from clusters_current where country = 'Norway'"
    as_csv = ecei("sql", "--db", str(formula_db), "--format", "csv", statement)
    assert as_csv.returncode == 0, as_csv.stderr
    assert SAFE in names(as_csv.stdout) and FORMULA_NAME not in names(as_csv.stdout)
    as_tsv = ecei("sql", "--db", str(formula_db), "--format", "tsv", statement)
    assert SAFE in names(as_tsv.stdout, "\t")
    as_json = ecei("sql", "--db", str(formula_db), "--format", "json", statement)
    assert FORMULA_NAME in {r["name"] for r in json.loads(as_json.stdout)}  # JSON keeps the value


def test_sql_neutralises_text_cells_only(formula_db: Path, tmp_path: Path) -> None:
    statement = (
        "select -5 as n, -2.5 as x, '-5' as t, '=1+1' as f, '+1' as p, '@SUM(A1)' as a, "
        "chr(9) || '=1' as tab, chr(13) || '=1' as cr, 'a=b' as plain, null as z"
    )
    done = ecei("sql", "--db", str(formula_db), "-o", str(tmp_path / "x.csv"), statement)
    assert done.returncode == 0, done.stderr
    (row,) = list(csv.DictReader((tmp_path / "x.csv").open(newline="", encoding="utf-8")))
    assert row == {
        "n": "-5",  # a negative number is no formula: it stays a number
        "x": "-2.5",
        "t": "'-5",
        "f": "'=1+1",
        "p": "'+1",
        "a": "'@SUM(A1)",
        "tab": "'\t=1",
        "cr": "'\r=1",
        "plain": "a=b",
        "z": "",
    }


def test_export_csv_writes_the_name_as_text_and_parquet_keeps_it(formula_db: Path, tmp_path: Path) -> None:
    for fmt in ("csv", "parquet", "json"):
        done = ecei("export", "--db", str(formula_db), "--format", fmt, str(tmp_path / fmt))
        assert done.returncode == 0, done.stderr
    current = names((tmp_path / "csv" / "clusters_current.csv").read_text(encoding="utf-8"))
    assert SAFE in current and FORMULA_NAME not in current
    with duckdb.connect() as con:
        parquet = {
            n
            for (n,) in con.execute(
                "select name from read_parquet(?)", [str(tmp_path / "parquet" / "clusters_current.parquet")]
            ).fetchall()
        }
    assert FORMULA_NAME in parquet
    as_json = json.loads((tmp_path / "json" / "clusters_current.json").read_text(encoding="utf-8"))
    assert FORMULA_NAME in {r["name"] for r in as_json}
    # a negative number stays a number in DuckDB's CSV too (the crawl_runs figures are integers)
    runs = list(csv.DictReader((tmp_path / "csv" / "crawl_runs.csv").open(encoding="utf-8")))
    assert all(not v.startswith("'") for r in runs for k, v in r.items() if k != "message")


def test_release_csv_writes_the_name_as_text_and_its_package_says_so(formula_db: Path, tmp_path: Path) -> None:
    done = ecei("release", str(tmp_path / "r"), "--db", str(formula_db))
    assert done.returncode == 0, done.stderr
    (folder,) = (tmp_path / "r").iterdir()
    for stem in ("clusters_current", "cluster_history"):
        assert SAFE in names((folder / f"{stem}.csv").read_text(encoding="utf-8"))
        with duckdb.connect() as con:
            kept = {
                n
                for (n,) in con.execute(
                    "select name from read_parquet(?)", [str(folder / f"{stem}.parquet")]
                ).fetchall()
            }
        assert FORMULA_NAME in kept
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    described = {r["format"]: r["description"] for r in package["resources"]}
    assert NOTE in described["csv"] and NOTE not in described["parquet"]


def test_changes_csv_writes_the_name_as_text(formula_db: Path) -> None:
    done = ecei("changes", "--db", str(formula_db), "--since", "2000-01-01", "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert SAFE in {r["name"] for r in rows} and SAFE in {r["new_name"] for r in rows}
    assert FORMULA_NAME not in {r["name"] for r in rows}
