"""Peak resident memory of one merge, measured in a process that does nothing else.

    .venv/bin/python -m bench.peak_memory DB STAGED EMPTY   # prints the peak, in KiB

is the child that `peak_memory` starts: it merges STAGED into DB as one complete run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bench.results import Result

ROOT = Path(__file__).resolve().parent.parent


def peak_memory(base: Path, staged: Path, empty: Path, size: int) -> Result:
    """Peak resident memory of a process that does one merge of `staged` into a copy of `base`."""
    db = base.with_name("peak.duckdb")
    shutil.copy(base, db)
    done = subprocess.run(
        [sys.executable, "-m", "bench.peak_memory", str(db), str(staged), str(empty)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    db.unlink()
    return Result(
        f"merge peak memory, {size:,} rows", int(done.stdout.strip().splitlines()[-1]) / 1024, None, "MiB", "< 1536"
    )


def merge_once(db: Path, staged: Path, empty: Path) -> int:
    """Merge `staged` into `db` as a complete run; returns this process's peak resident memory in KiB."""
    import datetime as dt

    from warehouse.db import connect
    from warehouse.merge import merge_run
    from warehouse.runs import RunFigures, begin_run

    con = connect(db)
    t = dt.datetime(2026, 1, 2)
    run_id = begin_run(con, "bench", t, 0)
    merge_run(con, run_id, t, staged, empty, True, "ok", RunFigures())
    con.close()
    # VmHWM, not ru_maxrss: Linux carries a forking parent's peak into its exec'd child's ru_maxrss,
    # so this process would report the benchmark's own size
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmHWM")).split()[1])


if __name__ == "__main__":
    print(merge_once(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
