"""`ecei sql` on a small query against a bare `python -c "import duckdb; ..."` running the same query.

    .venv/bin/python -m bench.sql_latency [--db PATH] [--rounds 15] [--query SQL]

Both are whole processes started the same way, alternated in one run, on a real warehouse (the three
demo snapshots refreshed into a temporary file, or --db): what a person waits for between Enter and
the answer. The difference is what `ecei` imports and does beyond DuckDB itself.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from bench.results import Result, line, median_alternating

BIN = Path(sys.executable).parent
QUERY = "select country, count(*) as clusters from clusters_current group by all order by country"
SNAPSHOTS = ("2016-06", "2018-10", "2021-09")
# the bare side: the least a Python program can do to answer the same query from the same file
BARE = "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); print(con.sql(sys.argv[2]).fetchall())"


def demo_warehouse(folder: Path) -> Path:
    """The three demo snapshots refreshed into a warehouse, by `ecei refresh --demo` as a user does."""
    db = folder / "demo.duckdb"
    for snapshot in SNAPSHOTS:
        cmd = [str(BIN / "ecei"), "refresh", "--demo", "--demo-snapshot", snapshot, "--db", str(db), "--json"]
        subprocess.run(cmd, check=True, capture_output=True)
    return db


def timed(cmd: list[str], environ: Mapping[str, str] | None = None, ok: tuple[int, ...] = (0,)) -> float:
    """Seconds the whole process `cmd` took; RuntimeError when it exits otherwise than `ok` or prints nothing."""
    # a terminal width fixed for the table, so that every run draws the same thing; and the bytecode
    # cache as an installed package has it: without it every module of the project is compiled anew
    given = os.environ if environ is None else environ
    env = {k: v for k, v in given.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"COLUMNS": "120"}
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok or not done.stdout.strip():
        raise RuntimeError(f"{cmd[:3]} exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed


def sql_latency(db: Path, rounds: int, query: str = QUERY) -> list[Result]:
    """Medians of `rounds` runs of each side, alternated, and the ratio (goal 1.6x or less)."""
    ours = [str(BIN / "ecei"), "sql", "--db", str(db), query]
    bare = [sys.executable, "-c", BARE, str(db), query]
    timed(ours), timed(bare)  # warm the file cache, and write the bytecode caches of both, first
    a, b = median_alternating(lambda: timed(ours), lambda: timed(bare), rounds)
    note = f"`ecei sql` (table) against a bare duckdb query in `python -c`, {rounds} rounds each"
    return [Result("sql latency, a small query on the demo warehouse", a, b, "s", "<= 1.6x", note)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="a warehouse to query [default: the demo, built in a temporary folder]")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--query", default=QUERY)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ecei-sql-bench-") as tmp:
        db = a.db or demo_warehouse(Path(tmp))
        for r in sql_latency(db, a.rounds, a.query):
            print(line(r), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
