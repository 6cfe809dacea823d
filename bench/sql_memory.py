"""`ecei sql` on a large answer: its peak memory per format, and a table holding a 1 MB value.

    .venv/bin/python -m bench.sql_memory [--db PATH] [--rows 3000000]

Each run is a whole `ecei sql` process writing to /dev/null under ECEI_SQL_MEMORY_LIMIT=64MB; its
peak resident memory is the VmHWM it reads of itself as it ends (`python -m bench.sql_memory --child
FILE ARGS...` runs `ecei ARGS` so), not the parent's ru_maxrss of its children, which Linux starts
from the forking parent's own peak (bench/peak_memory.py). Goals: under 200 MiB whatever the number
of rows (the rows stream: DuckDB's 64 MB, Python and a batch of rows), and the 1 MB value's table
drawn in under 1 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.results import Result, line, median_alternating
from bench.sql_latency import demo_warehouse

ROOT = Path(__file__).resolve().parent.parent
LIMIT = "64MB"
FORMATS = ("csv", "jsonl", "json", "table")
ROWS_QUERY = "select range as i, 'x' || range as s from range({rows})"
HUGE_QUERY = "select 'Arena ' || repeat('x', 1000000) as name, 7 as n"


def _peak_of_child(args: list[str]) -> tuple[float, float]:
    """Run `ecei ARGS` in a measuring child, output to /dev/null; its peak in MiB and its seconds."""
    with tempfile.NamedTemporaryFile(prefix="ecei-peak-", delete=False) as handle:
        report = Path(handle.name)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"ECEI_SQL_MEMORY_LIMIT": LIMIT, "COLUMNS": "120"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.sql_memory", "--child", str(report), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    took = time.perf_counter() - start
    try:
        if done.returncode != 0:
            raise RuntimeError(f"ecei {' '.join(args[:4])} exited {done.returncode}: {done.stderr[-2000:]}")
        return int(report.read_text()) / 1024, took
    finally:
        report.unlink(missing_ok=True)


def sql_memory(db: Path, rows: int) -> list[Result]:
    """Peak memory of `ecei sql` writing `rows` rows in each format, and the time of the 1 MB table."""
    results = []
    statement = ROWS_QUERY.format(rows=rows)
    for fmt in FORMATS:
        peak, took = _peak_of_child(["sql", "--db", str(db), "--format", fmt, statement])
        note = f"{took:.1f} s for the whole command; ECEI_SQL_MEMORY_LIMIT={LIMIT}"
        results.append(Result(f"sql peak memory, {rows:,} rows, {fmt}", peak, None, "MiB", "< 200", note))
    _peak_of_child(["sql", "--db", str(db), "select 1"])  # the bytecode caches written, the file cached
    huge, bare = median_alternating(
        lambda: _peak_of_child(["sql", "--db", str(db), HUGE_QUERY])[1],
        lambda: _peak_of_child(["sql", "--db", str(db), "select 1"])[1],
        3,
    )
    note = f'the whole command, median of 3; `ecei sql "select 1"` takes {bare:.2f} s'
    results.append(Result("sql table with a 1 MB value", huge, None, "s", "< 1", note))
    return results


def _child(report: Path, args: list[str]) -> None:
    """`ecei ARGS` in this process, then its own peak resident memory (VmHWM, KiB) into `report`."""
    from ecei.cli import main

    sys.argv = ["ecei", *args]
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    finally:
        with open("/proc/self/status") as status:
            peak = next(row for row in status if row.startswith("VmHWM")).split()[1]
        report.write_text(peak)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(Path(argv[1]), argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="a warehouse to query [default: the demo, built in a temporary folder]")
    ap.add_argument("--rows", type=int, default=3_000_000)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ecei-sql-memory-") as tmp:
        db = a.db or demo_warehouse(Path(tmp))
        for r in sql_memory(db, a.rows):
            print(line(r), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
