"""The read commands (`ecei status`, `history`, `changes`, `sql`) against a bare `python -c "import
duckdb; ..."` reading the same file, each a whole process.

    .venv/bin/python -m bench.read_latency [--db PATH] [--rounds 31]

Each command and its bare query are alternated, round after round, on a real warehouse (the three
demo snapshots refreshed into a temporary file, or --db): what a person waits for between Enter and
the answer. The bare side answers the question the command answers, in one query, as the least a
Python program can do. The environment is a person's who has configured nothing: no ECEI_ variable
but the warehouse given by --db, and no Prefect server (PREFECT_API_URL unset).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.results import Result, line, median_alternating
from bench.sql_latency import BARE, BIN, QUERY, demo_warehouse, timed

GOAL = "<= 1.5x"


@dataclass(frozen=True)
class Read:
    """One read command as a person types it, and the query that answers the same from the file."""

    name: str
    args: tuple[str, ...]
    bare_query: str


READS = (
    Read(
        "status",
        ("status",),
        "select * from crawl_runs order by run_id desc limit 1",
    ),
    Read(
        "history",
        ("history", "Arena Legasea"),
        "select * from versions where name = 'Arena Legasea' order by valid_from",
    ),
    Read(
        "changes",
        ("changes", "--since", "2018"),
        "select c.* from changes as c join runs as r using (run_id) where r.started_at >= '2018-01-01' order by run_id",
    ),
    Read("sql", ("sql", QUERY), QUERY),
)


def _environment() -> dict[str, str]:
    """A person's who has configured nothing: the bench's own ECEI_ and Prefect settings left out."""
    return {k: v for k, v in os.environ.items() if not k.upper().startswith(("ECEI_", "PREFECT_API_"))}


def _measure(read: Read, db: Path, env: dict[str, str], rounds: int) -> Result:
    ours = [str(BIN / "ecei"), *read.args, "--db", str(db)]
    bare = [sys.executable, "-c", BARE, str(db), read.bare_query]
    # a command that reports stale data or a pending alert exits 1 or 5: its answer counts all the same
    timed(ours, env, ok=(0, 1, 5)), timed(bare, env)  # warm the file cache and the bytecode caches first
    a, b = median_alternating(lambda: timed(ours, env, ok=(0, 1, 5)), lambda: timed(bare, env), rounds)
    typed = " ".join(read.args) if read.name != "sql" else "sql QUERY (bench.sql_latency's)"
    note = f"`ecei {typed}` against a bare duckdb query in `python -c`, {rounds} rounds each"
    return Result(f"read latency, `ecei {read.name}` on the demo warehouse", a, b, "s", GOAL, note)


def read_latency(db: Path, rounds: int, reads: tuple[Read, ...] = READS) -> list[Result]:
    """Medians of `rounds` runs of each command and of its bare query, alternated, and their ratio."""
    env = _environment()
    return [_measure(read, db, env, rounds) for read in reads]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="a warehouse to read [default: the demo, built in a temporary folder]")
    ap.add_argument("--rounds", type=int, default=31)
    ap.add_argument("--only", choices=[r.name for r in READS], action="append")
    a = ap.parse_args(argv)
    chosen = tuple(r for r in READS if r.name in (a.only or [r.name for r in READS]))
    with tempfile.TemporaryDirectory(prefix="ecei-read-bench-") as tmp:
        db = a.db or demo_warehouse(Path(tmp))
        for r in read_latency(db, a.rounds, chosen):
            print(line(r), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
