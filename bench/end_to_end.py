"""End to end: `ecei refresh` against the yardstick on a generated mirror served by another process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import generate
from bench.phases import phases
from bench.results import Result, median_alternating

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ECEI_ENV = {**os.environ, "ECEI_POLITE": "false", "ECEI_CONCURRENT_REQUESTS": "2"}


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """The folder served by a separate process; yields the overview URL."""
    port_file = Path(tempfile.mkstemp()[1])
    port_file.write_text("")
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "serve.py"), str(folder), str(port_file)], cwd=ROOT)
    try:
        while not port_file.read_text():
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text()}/benchmarked-clusters"
    finally:
        proc.kill()
        proc.wait()
        port_file.unlink()


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0,):
        raise RuntimeError(f"{cmd[0]} exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed, done.stdout


def ecei_refresh(url: str, db: Path) -> tuple[float, dict[str, object]]:
    elapsed, out = timed([str(BIN / "ecei"), "refresh", "--start-url", url, "--db", str(db), "--json"], ECEI_ENV)
    return elapsed, json.loads(out)


def yard_refresh(url: str, db: Path) -> float:
    return timed([sys.executable, str(ROOT / "bench" / "yardstick.py"), url, str(db)])[0]


def end_to_end(work: Path, countries: int, rows: int, repeat: int, label: str) -> list[Result]:
    first, second = generate.make_pair(work / f"site-{label}", countries, rows)
    base_ours, base_theirs = work / f"{label}-ours.duckdb", work / f"{label}-theirs.duckdb"
    with served(first) as url:
        ecei_refresh(url, base_ours)
        yard_refresh(url, base_theirs)
    breakdown: list[dict[str, object]] = []
    with served(second) as url:

        def ours() -> float:
            db = work / "e2e-ours.duckdb"
            shutil.copy(base_ours, db)
            elapsed, figures = ecei_refresh(url, db)
            assert figures["status"] == "ok", figures
            breakdown.append(figures)
            db.unlink()
            return elapsed

        def theirs() -> float:
            db = work / "e2e-theirs.duckdb"
            shutil.copy(base_theirs, db)
            elapsed = yard_refresh(url, db)
            db.unlink()
            return elapsed

        a, b = median_alternating(ours, theirs, repeat)
    total = countries * rows
    note = ""
    if label == "real size":
        with served(second) as url:
            note = ", ".join(f"{k} {v:.2f} s" for k, v in phases(url, base_ours, work).items())
    return [Result(f"end to end, {total:,} rows ({label})", a, b, "s", "<= 2x" if label == "large" else "report", note)]
