"""The benchmark suite: ecei-watch against the hand-written yardstick, side by side.

    .venv/bin/python -m bench.run [--size tiny|full] [--repeat 3] [--results bench/RESULTS.md]

Every ratio is measured in the same run, alternating the two commands, median of --repeat runs.
`--size tiny` is the smoke test CI runs (seconds); `full` is what bench/RESULTS.md reports.
The targets live beside this entry point: end_to_end.py (with phases.py), merges.py (with
peak_memory.py), extraction.py, sql_latency.py, read_latency.py, sql_memory.py, subscriptions.py; results.py
holds what they report and writes the table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bench.end_to_end import end_to_end
from bench.extraction import extraction
from bench.merges import merges
from bench.read_latency import read_latency
from bench.results import HEADER, Result, line, write_results
from bench.sql_latency import demo_warehouse, sql_latency
from bench.sql_memory import sql_memory
from bench.subscriptions import subscription_runs

SIZES = {
    # name: (e2e countries x rows per country, real-size countries x rows, merge sizes, no-op merges)
    "tiny": ((4, 50), (4, 10), [1_000, 5_000], 5),
    "full": ((48, 2084), (48, 27), [10_000, 100_000, 1_000_000], 100),
}
TARGETS = ["e2e", "merge", "extract", "sql", "read", "sqlmem", "subs"]
# a start-up takes a fraction of a second: many rounds are cheap, and 15 left the median to chance on 2 cores
SQL_ROUNDS = {"tiny": 2, "full": 31}
# rows of the answer whose peak memory `ecei sql` is held to, in every format
SQL_ROWS = {"tiny": 30_000, "full": 3_000_000}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="full")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--results", type=Path, help="write the table to this Markdown file")
    ap.add_argument("--only", choices=TARGETS, action="append")
    a = ap.parse_args(argv)
    (large, real, merge_sizes, noops) = SIZES[a.size]
    only = set(a.only or TARGETS)
    results: list[Result] = []

    def emit(found: Iterable[Result]) -> None:
        # each row as soon as it is measured: the full suite runs for many minutes
        for r in found:
            results.append(r)
            print(line(r), flush=True)

    print("\n".join(HEADER), flush=True)
    with tempfile.TemporaryDirectory(prefix="ecei-bench-") as tmp:
        work = Path(tmp)
        if "e2e" in only:
            emit(end_to_end(work, *large, a.repeat, "large"))
            emit(end_to_end(work, *real, a.repeat, "real size"))
        if "merge" in only:
            emit(merges(work, merge_sizes, a.repeat, noops))
        if "extract" in only:
            emit([extraction(work, large[0] * large[1], a.repeat)])
        demo = demo_warehouse(work) if only & {"sql", "read", "sqlmem"} else None
        if "sql" in only and demo is not None:
            emit(sql_latency(demo, SQL_ROUNDS[a.size]))
        if "read" in only and demo is not None:
            emit(read_latency(demo, SQL_ROUNDS[a.size]))
        if "sqlmem" in only and demo is not None:
            emit(sql_memory(demo, SQL_ROWS[a.size]))
        if "subs" in only:
            # a subscriber per country of the real-size registry, and of the large one
            emit(subscription_runs(work, *real, real[0], a.repeat))
            emit(subscription_runs(work, *large, large[0], a.repeat))
    if a.results:
        write_results(a.results, a.size, a.repeat, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
