"""The read commands (`ecei status`, `history`, `changes`, `sql`) against a bare `python -c "import
duckdb; ..."` reading the same file, each a whole process.

    .venv/bin/python -m bench.read_latency [--db PATH] [--rounds 31] [--instructions] [--ecei PATH]

Each command and its bare query are alternated, round after round, on a real warehouse (the three
demo snapshots refreshed into a temporary file, or --db): what a person waits for between Enter and
the answer. The bare side answers the question the command answers, in one query, as the least a
Python program can do. The environment is a person's who has configured nothing: no ECEI_ variable
but the warehouse given by --db, and no Prefect server (PREFECT_API_URL unset).

Each line gives the medians of the wall times and their ratio (the goal's), then in its detail how
the ratio spreads round by round (its quartiles: a machine shared with other work slows some rounds
of one side) and the ratio of the CPU times (the children's user + system time), which moves less
with the machine's load. With --instructions, each side also runs once under valgrind's callgrind:
the instructions it executed (its I refs) do not move with the load at all, and their ratio is the
one to compare two versions by on a shared machine. --ecei times another `ecei` (a script running
an earlier checkout, for a before and after).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.results import Result, line
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


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(cmd: list[str], env: Mapping[str, str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """The wall and CPU seconds of the whole process `cmd` (bench.sql_latency.timed's checks)."""
    before = _children_cpu()
    wall = timed(cmd, env, ok)
    return wall, _children_cpu() - before


def _quartiles(values: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return q[0], q[2]


def instructions(cmd: list[str], env: Mapping[str, str]) -> int:
    """The instructions one run of `cmd` executed, all its threads, as callgrind counts them."""
    given = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"COLUMNS": "120"}
    with tempfile.TemporaryDirectory(prefix="ecei-callgrind-") as tmp:
        counted = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={Path(tmp) / 'out'}",
            *cmd,
        ]
        done = subprocess.run(counted, capture_output=True, text=True, env=given)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind counted nothing for {cmd[:3]}: {done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def _measure(
    read: Read, db: Path, env: dict[str, str], rounds: int, counted: bool = False, ecei: Path | None = None
) -> Result:
    ours = [str(ecei or BIN / "ecei"), *read.args, "--db", str(db)]
    bare = [sys.executable, "-c", BARE, str(db), read.bare_query]
    # a command that reports stale data or a pending alert exits 1 or 5: its answer counts all the same
    _timed(ours, env, ok=(0, 1, 5)), _timed(bare, env)  # warm the file cache and the bytecode caches first
    pairs = []
    for _ in range(rounds):  # alternated, so that a slow spell of the machine hits both
        pairs.append((_timed(ours, env, ok=(0, 1, 5)), _timed(bare, env)))
    a = statistics.median(o[0] for o, _ in pairs)
    b = statistics.median(t[0] for _, t in pairs)
    low, high = _quartiles([o[0] / t[0] for o, t in pairs])
    cpu_a = statistics.median(o[1] for o, _ in pairs)
    cpu_b = statistics.median(t[1] for _, t in pairs)
    typed = " ".join(read.args) if read.name != "sql" else "sql QUERY (bench.sql_latency's)"
    note = (
        f"`ecei {typed}` against a bare duckdb query in `python -c`, {rounds} rounds each; "
        f"round by round {low:.2f}x-{high:.2f}x (quartiles); CPU {cpu_a:.3f} s against {cpu_b:.3f} s: "
        f"{cpu_a / cpu_b:.2f}x"
    )
    if counted:
        ins_a, ins_b = instructions(ours, env), instructions(bare, env)
        note += f"; instructions {ins_a / 1e6:,.0f}M against {ins_b / 1e6:,.0f}M: {ins_a / ins_b:.3f}x"
    return Result(f"read latency, `ecei {read.name}` on the demo warehouse", a, b, "s", GOAL, note)


def read_latency(
    db: Path, rounds: int, reads: tuple[Read, ...] = READS, counted: bool = False, ecei: Path | None = None
) -> list[Result]:
    """Medians of `rounds` runs of each command and of its bare query, alternated, and their ratio;
    with `counted`, the instructions of one run of each too (valgrind)."""
    env = _environment()
    return [_measure(read, db, env, rounds, counted, ecei) for read in reads]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="a warehouse to read [default: the demo, built in a temporary folder]")
    ap.add_argument("--rounds", type=int, default=31)
    ap.add_argument("--only", choices=[r.name for r in READS], action="append")
    ap.add_argument("--instructions", action="store_true", help="count each side's instructions once (valgrind)")
    ap.add_argument("--ecei", type=Path, help="the ecei to time [default: this environment's]")
    a = ap.parse_args(argv)
    if a.instructions and shutil.which("valgrind") is None:
        ap.error("--instructions needs valgrind")
    chosen = tuple(r for r in READS if r.name in (a.only or [r.name for r in READS]))
    with tempfile.TemporaryDirectory(prefix="ecei-read-bench-") as tmp:
        db = a.db or demo_warehouse(Path(tmp))
        for r in read_latency(db, a.rounds, chosen, a.instructions, a.ecei):
            print(line(r), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
