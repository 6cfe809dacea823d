"""The one rule for a value (ecei.outputs.cells): every format that both Python and DuckDB's COPY write
(`ecei sql` and `ecei changes` the one way, `ecei export` and `ecei release` the other) holds the
same value the same way, read back by a CSV or a JSON reader."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from pathlib import Path

import duckdb
import pytest

from ecei.outputs.cells import Cells, columns_as, json_cell, text
from ecei.outputs.formats import REGISTRY

# column -> a DuckDB expression: the values ecei's tables hold, and the shapes a query may give
VALUES: dict[str, str] = {
    "at": "timestamp '2018-10-15 09:30:00.999'",  # the fraction dropped, never rounded
    "zoned": "timestamptz '2018-10-15 11:30:00+02'",
    "nanos": "timestamp_ns '2018-10-15 09:30:00.123456789'",
    "seconds": "timestamp_s '2018-10-15 09:30:00'",
    "day": "date '2018-10-15'",
    "clock": "time '09:30:00'",
    "no_time": "null::timestamp",
    "no_text": "null::varchar",
    "formula": "'=HYPERLINK(\"http://evil.example\")'",
    "minus": "'-1'",
    "accented": "'Agrupació d''Empreses Innovadores Tèxtils'",
    "quoted": "'a, \"b\"' || chr(10) || 'c'",
    "whole": "42",
    "negative": "-7",
    "double": "1.5::double",
    "third": "1/3",
    "big": "1e20",
    "decimal": "1.10::decimal(5,2)",
    "tiny": "0.0000001::decimal(18,10)",
    "yes": "true",
    "texts": "['ICT', 'Health', '=x']",
    "empty": "[]::varchar[]",
    "stamps": "[timestamp '2018-10-15 09:30:00', null]",  # DuckDB's to_json wrote `2018-10-15 09:30:00`
    "struct": "{'k': 'v', 'at': timestamptz '2018-10-15 11:30:00+02', 'days': [date '2018-10-15']}",
    "deep": "[[timestamp '2018-10-15 09:30:00']]",
    "map": "map {'k': timestamp '2018-10-15 09:30:00'}",
    "array": "[1, 2]::integer[2]",
    "json": '\'{"a": [1, "x"]}\'::json',
}
SELECT = "select " + ", ".join(f"{expr} as {name}" for name, expr in VALUES.items())
BOTH = [name for name, f in REGISTRY.items() if f.rows is not None and f.copy is not None]


def by_python(fmt: str) -> str:
    """The values as `ecei sql` writes them: a row at a time, in a session of another time zone."""
    con = duckdb.connect()
    con.execute("set timezone = 'America/New_York'")
    found = con.execute(SELECT)
    types = [str(d[1]) for d in found.description or []]
    columns = [str(d[0]) for d in found.description or []]
    stream = io.StringIO()
    writer = REGISTRY[fmt].rows
    assert writer is not None
    writer(stream, columns, [found.fetchall()], terminal=False, types=types)
    return stream.getvalue()


def by_duckdb(fmt: str, folder: Path) -> str:
    """The values as `ecei export` writes them: DuckDB's COPY from the select the rule makes."""
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    con.execute(f"create view v as {SELECT}")
    described = con.execute("describe select * from v").fetchall()
    path = folder / f"v{REGISTRY[fmt].suffix}"
    con.execute(
        f"copy (select {columns_as(described, REGISTRY[fmt].cells)} from v) to $path ({REGISTRY[fmt].copy})",
        {"path": str(path)},
    )
    return path.read_text(encoding="utf-8")


def read(written: str, fmt: str) -> list[dict[str, object]]:
    if REGISTRY[fmt].delimited:
        delimiter = "\t" if fmt == "tsv" else ","
        return list(csv.DictReader(io.StringIO(written, newline=""), delimiter=delimiter))
    if fmt == "jsonl":
        return [json.loads(line) for line in written.splitlines()]
    found = json.loads(written)
    assert isinstance(found, list)
    return found


Written = tuple[str, dict[str, object], dict[str, object]]  # the format, a row by Python, the row by DuckDB


@pytest.fixture(scope="module", params=BOTH)
def written(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Written:
    fmt = request.param
    ours = read(by_python(fmt), fmt)
    theirs = read(by_duckdb(fmt, tmp_path_factory.mktemp(fmt)), fmt)
    assert len(ours) == len(theirs) == 1
    return fmt, ours[0], theirs[0]


def test_every_format_both_write_is_held_here() -> None:
    assert {"csv", "tsv", "json", "jsonl"} <= set(BOTH)


@pytest.mark.parametrize("column", VALUES)
def test_python_and_duckdb_write_a_value_alike(written: Written, column: str) -> None:
    fmt, ours, theirs = written
    assert ours[column] == theirs[column], f"{fmt}: {column}"


def test_the_rule_as_a_csv_reader_reads_it(tmp_path: Path) -> None:
    cells = read(by_duckdb("csv", tmp_path), "csv")[0]
    assert cells["at"] == cells["zoned"] == "2018-10-15T09:30:00Z"
    assert cells["nanos"] == "2018-10-15T09:30:00Z" and cells["day"] == "2018-10-15"
    assert cells["no_time"] == cells["no_text"] == ""
    assert cells["formula"] == '\'=HYPERLINK("http://evil.example")' and cells["minus"] == "'-1"
    assert cells["decimal"] == "1.10" and cells["tiny"] == "0.0000001000" and cells["whole"] == "42"
    assert cells["texts"] == '["ICT","Health","=x"]'
    assert cells["stamps"] == '["2018-10-15T09:30:00Z",null]'
    assert cells["struct"] == '{"k":"v","at":"2018-10-15T09:30:00Z","days":["2018-10-15"]}'
    assert cells["map"] == '{"k":"2018-10-15T09:30:00Z"}'


def test_a_cell_of_python_values() -> None:
    at = dt.datetime(2018, 10, 15, 9, 30, 0, 999_999)
    assert text(at) == "2018-10-15T09:30:00Z" and text(dt.date(2018, 10, 15)) == "2018-10-15"
    assert text(decimal.Decimal("1.10")) == "1.10" and text(decimal.Decimal("1E-7")) == "0.0000001"
    assert json_cell([at, None, "é"]) == '["2018-10-15T09:30:00Z",null,"é"]'
    assert text(None) == "" and text(False) == "false"


@pytest.mark.parametrize("cells", list(Cells))
def test_only_parquet_keeps_a_timestamp_typed(cells: Cells) -> None:
    described = [("at", "TIMESTAMP"), ("n", "VARCHAR")]
    shaped = columns_as(described, cells)
    if cells is Cells.TYPED:
        assert shaped == '"at"::timestamptz as "at", "n"'
    else:
        assert "strftime" in shaped
