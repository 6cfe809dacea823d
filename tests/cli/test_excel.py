"""`--excel` on every command that writes CSV: the file a colleague opens in a spreadsheet shows the
accented names of the site as they are. A real process on the demo warehouse, the bytes it wrote
read as Excel reads a CSV: UTF-8 when it starts with the byte-order mark, else the legacy code page."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest

from tests.cli.helpers import ECEI, ecei

TEXTILS = "Agrupació d\N{RIGHT SINGLE QUOTATION MARK}Empreses Innovadores Tèxtils"  # a Spanish cluster of the demo
BOM = b"\xef\xbb\xbf"


def as_a_spreadsheet_reads(data: bytes) -> str:
    """Excel's rule for a CSV it opens: UTF-8 after a byte-order mark, its Windows code page without one."""
    return data[len(BOM) :].decode("utf-8") if data.startswith(BOM) else data.decode("cp1252", errors="replace")


def names(text: str, delimiter: str = ",") -> set[str]:
    return {row["name"] for row in csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)}


def laid_out_for_a_spreadsheet(data: bytes) -> bool:
    """A byte-order mark first, and every line of the file ends CRLF (no cell here holds a line break)."""
    return data.startswith(BOM) and data.count(b"\n") == data.count(b"\r\n") > 1


def stdout_of(*args: str) -> bytes:
    """What `ecei ARGS` writes on standard output, byte for byte (no newline translated)."""
    done = subprocess.run([ECEI, *args], capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return done.stdout


def written(tmp_path: Path, dated_db: Path, *args: str) -> dict[str, bytes]:
    """What each command writes, as bytes: (name -> file or standard output)."""
    db = ("--db", str(dated_db))
    found: dict[str, bytes] = {}
    done = ecei("export", str(tmp_path / "export"), "--format", "csv", *args, *db)
    assert done.returncode == 0, done.stderr
    found["export"] = (tmp_path / "export" / "clusters_current.csv").read_bytes()
    query = "select name, country from clusters_current order by name"
    for fmt in ("csv", "tsv"):
        out = tmp_path / f"sql.{fmt}"
        done = ecei("sql", "-o", str(out), *args, *db, query)
        assert done.returncode == 0, done.stderr
        found[f"sql -o x.{fmt}"] = out.read_bytes()
    found["sql --format csv"] = stdout_of("sql", "--format", "csv", *args, *db, query)
    out = tmp_path / "changes.csv"
    done = ecei("changes", "--since", "2000", "--out", str(out), *args, *db)
    assert done.returncode == 0, done.stderr
    found["changes --out x.csv"] = out.read_bytes()
    found["changes --format csv"] = stdout_of("changes", "--since", "2000", "--format", "csv", *args, *db)
    return found


def test_excel_writes_what_a_spreadsheet_reads_right(tmp_path: Path, dated_db: Path) -> None:
    for name, data in written(tmp_path, dated_db, "--excel").items():
        assert laid_out_for_a_spreadsheet(data), name
        assert TEXTILS in names(as_a_spreadsheet_reads(data), "\t" if name.endswith("tsv") else ","), name


def test_without_excel_the_file_stays_plain_utf8(tmp_path: Path, dated_db: Path) -> None:
    for name, data in written(tmp_path, dated_db).items():
        assert not data.startswith(BOM) and b"\r\n" not in data, name
        assert TEXTILS in names(data.decode("utf-8"), "\t" if name.endswith("tsv") else ","), name
        assert TEXTILS not in as_a_spreadsheet_reads(data), name  # what --excel is for: garbled without it


@pytest.mark.parametrize(
    "args",
    [
        ("export", "OUT", "--format", "json", "--excel"),
        ("sql", "--format", "json", "--excel", "select 1"),
        ("sql", "--excel", "select 1"),  # the table
        ("changes", "--since", "2000", "--format", "json", "--excel"),
    ],
)
def test_excel_is_for_csv_only(args: tuple[str, ...], tmp_path: Path, dated_db: Path) -> None:
    done = ecei(*(str(tmp_path / "out") if a == "OUT" else a for a in args), "--db", str(dated_db))
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "--excel" in line and "csv" in line.lower() and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
