"""The benchmark suite: ecei-watch against the hand-written yardstick, side by side.

    .venv/bin/python -m bench.run [--size tiny|full] [--repeat 3] [--results bench/RESULTS.md]

Every ratio is measured in the same run, alternating the two commands, median of --repeat runs.
`--size tiny` is the smoke test CI runs (seconds); `full` is what bench/RESULTS.md reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench import generate, yardstick
from crawler.pages import parse_country

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SIZES = {
    # name: (e2e countries x rows per country, real-size countries x rows, merge sizes, no-op merges)
    "tiny": ((4, 50), (4, 10), [1_000, 5_000], 5),
    "full": ((48, 2084), (48, 27), [10_000, 100_000, 1_000_000], 100),
}


@dataclass
class Result:
    target: str
    ours: float
    theirs: float | None
    unit: str
    goal: str
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.ours / self.theirs if self.theirs else None


def median_alternating(a: Callable[[], float], b: Callable[[], float], repeat: int) -> tuple[float, float]:
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(a())
        theirs.append(b())
    return statistics.median(ours), statistics.median(theirs)


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


ECEI_ENV = {**os.environ, "ECEI_POLITE": "false", "ECEI_CONCURRENT_REQUESTS": "2"}


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


def phases(url: str, base: Path, work: Path) -> dict[str, float]:
    """Where one refresh's time goes: start-up (imports of the CLI), the crawl process (of which
    validation: the same pages validated again in-process), and the merge."""
    from contextlib import closing

    from crawler.items import CountryPageItem
    from crawler.pages import parse_country
    from ecei import refresh as r
    from ecei.settings import Settings
    from pipelines.dedupe_rows import dedupe_page
    from pipelines.validate_rows import validate_page
    from warehouse.archive import decompress
    from warehouse.db import open_when_free
    from warehouse.runs import begin_run, utcnow

    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import ecei.cli"], check=True, cwd=ROOT)
    startup = time.perf_counter() - start
    db = work / "phases.duckdb"
    shutil.copy(base, db)
    settings = Settings(start_url=url, db=db, polite=False)
    with closing(open_when_free(db, 5)) as con:
        run_id = begin_run(con, url, utcnow(), os.getpid())
    start = time.perf_counter()
    stage, summary, crash = r.run_crawl(settings, Path(tempfile.mkdtemp(dir=work)))
    crawl = time.perf_counter() - start
    verdict = r.assess(stage, summary, crash)
    start = time.perf_counter()
    with closing(open_when_free(db, 5)) as con:
        r.load_run(
            con, run_id, utcnow(), stage, verdict, r.archive_staged(run_id, utcnow(), url, stage, summary, crash)
        )
    merge = time.perf_counter() - start
    with closing(open_when_free(db, 5, read_only=True)) as con:
        pages = con.execute(
            "select f.url, b.compression, b.body from page_fetches f join page_bodies b using (sha256) "
            "where f.run_id = ? and f.url like '%country=%'",
            [run_id],
        ).fetchall()
    tables = [(u, parse_country(decompress(c, bytes(b)), u, "utf-8")) for u, c, b in pages]
    start = time.perf_counter()
    seen: dict = {}
    for u, t in tables:
        item = CountryPageItem(u, "x", "X", t.headers, t.rows) if t else None
        if item:
            validate_page(item)
            dedupe_page(item, seen)
    validation = time.perf_counter() - start
    return {"start-up": startup, "crawl process": crawl, "of which validation": validation, "merge": merge}


def _stage_rows(path: Path, rows: list[tuple[str, str, str, str | None, dt.date]]) -> None:
    from pipelines.keys import country_key, name_key

    with path.open("w") as f:
        for i, (cid, name, portfolio, website, until) in enumerate(rows):
            rec = {
                "page_url": "u", "row_number": i, "country": "C", "country_id": cid, "name": name,
                "portfolio": portfolio, "website": website, "valid_until": until.isoformat(),
                "country_key": country_key(cid), "name_key": name_key(name),
            }  # fmt: skip
            f.write(json.dumps(rec) + "\n")


def _snapshot_rows(countries: list[generate.Country]) -> list[tuple[str, str, str, str | None, dt.date]]:
    return [(c.id, r.name, r.portfolio, r.website, r.valid_until) for c in countries for r in c.rows]


@dataclass
class MergeCase:
    """One size of the merge benchmark: staged snapshots and the two base warehouses."""

    size: int
    first: Path
    second: Path
    empty: Path
    base: Path
    yard_base: Path
    t0: dt.datetime


def _yard_stage(con: duckdb.DuckDBPyConnection, staged: Path) -> None:
    con.execute(
        "create or replace temp table stage as select country_id, name, portfolio, website, valid_until, "
        "md5(concat_ws(chr(31), portfolio, coalesce(website, ''), valid_until::varchar)) as row_hash "
        f"from read_json('{staged}', format = 'newline_delimited', columns = {{'country_id': 'VARCHAR', "
        "'name': 'VARCHAR', 'portfolio': 'VARCHAR', 'website': 'VARCHAR', 'valid_until': 'DATE'})"
    )


def prepare_merge(work: Path, size: int) -> MergeCase:
    from warehouse.db import connect
    from warehouse.merge import merge_run
    from warehouse.runs import RunFigures, begin_run

    first = generate.first_snapshot(48, size // 48)
    second = generate.second_snapshot(first, 0.01)
    case = MergeCase(
        size, work / f"m{size}-1.jsonl", work / f"m{size}-2.jsonl", work / "empty.jsonl",
        work / f"m{size}.duckdb", work / f"m{size}-y.duckdb", dt.datetime(2026, 1, 1),
    )  # fmt: skip
    _stage_rows(case.first, _snapshot_rows(first))
    _stage_rows(case.second, _snapshot_rows(second))
    case.empty.write_text("")
    with connect(case.base) as con:
        run_id = begin_run(con, "bench", case.t0, 0)
        merge_run(con, run_id, case.t0, case.first, case.empty, True, "ok", RunFigures())
    with duckdb.connect(str(case.yard_base)) as con:
        con.execute(yardstick.SCHEMA)
        _yard_stage(con, case.first)
        yardstick.merge_sql(con, case.t0)
    return case


def time_our_merge(case: MergeCase, work: Path) -> tuple[float, float]:
    """(merge, staging load) seconds: load_stage reads the staged file, merge_staged is the merge."""
    from warehouse.db import connect
    from warehouse.merge import load_stage, merge_staged
    from warehouse.runs import RunFigures, begin_run

    db = work / "m-ours.duckdb"
    shutil.copy(case.base, db)
    with connect(db) as con:
        t1 = case.t0 + dt.timedelta(days=1)
        run_id = begin_run(con, "bench", t1, 0)
        start = time.perf_counter()
        load_stage(con, case.second, case.empty)
        loaded = time.perf_counter()
        merge_staged(con, run_id, t1, True, "ok", RunFigures())
        done = time.perf_counter()
    db.unlink()
    return done - loaded, loaded - start


def time_yard_merge(case: MergeCase, work: Path) -> tuple[float, float]:
    """(merge SQL, staging load) seconds of the yardstick on the same staged file."""
    db = work / "m-theirs.duckdb"
    shutil.copy(case.yard_base, db)
    with duckdb.connect(str(db)) as con:
        start = time.perf_counter()
        _yard_stage(con, case.second)
        loaded = time.perf_counter()
        con.execute("begin")
        yardstick.merge_sql(con, case.t0 + dt.timedelta(days=1))
        con.execute("commit")
        done = time.perf_counter()
    db.unlink()
    return done - loaded, loaded - start


def merges(work: Path, sizes: list[int], repeat: int, noops: int) -> Iterator[Result]:
    """Our merge against the yardstick's merge SQL alone, each after loading the same staged file.

    Both sides load the staged file into a table (and hash its rows) before the clock starts, as
    the target asks; a second row per size reports load and merge together.
    """
    per_size: dict[int, float] = {}
    for size in sizes:
        case = prepare_merge(work, size)
        ours, theirs = [], []
        for _ in range(repeat):
            ours.append(time_our_merge(case, work))
            theirs.append(time_yard_merge(case, work))
        a, b = statistics.median(o[0] for o in ours), statistics.median(t[0] for t in theirs)
        per_size[size] = a
        goal = "<= 1.5x" if size == max(sizes) else "report"
        yield Result(f"merge, {size:,} rows, 1% changed, 0.5% out, 0.5% in", a, b, "s", goal)
        load_a, load_b = statistics.median(o[1] for o in ours), statistics.median(t[1] for t in theirs)
        yield Result(
            f"merge with its staging load, {size:,} rows", statistics.median(sum(o) for o in ours),
            statistics.median(sum(t) for t in theirs), "s", "report",
            f"load {load_a:.3f} s against {load_b:.3f} s",
        )  # fmt: skip
        if size == max(sizes):
            yield peak_memory(case.base, case.second, case.empty, size)
            yield noop_growth(case.base, case.first, case.empty, noops, size)
    steps = [per_size[b] / per_size[a] / (b / a) for a, b in itertools.pairwise(sorted(per_size))]
    yield Result(
        "merge growth (time ratio / size ratio, per step)", max(steps), None, "", "<= 1 (linear)",
        ", ".join(f"{s:,}: {per_size[s]:.3f} s" for s in sorted(per_size)),
    )  # fmt: skip


def peak_memory(base: Path, staged: Path, empty: Path, size: int) -> Result:
    """Peak resident memory of a process that does one merge of `staged` into a copy of `base`."""
    db = base.with_name("peak.duckdb")
    shutil.copy(base, db)
    code = (
        "import datetime as dt, sys\n"
        "from pathlib import Path\n"
        "from warehouse.db import connect\nfrom warehouse.merge import merge_run\n"
        "from warehouse.runs import RunFigures, begin_run\n"
        f"con = connect(Path({str(db)!r}))\nt = dt.datetime(2026, 1, 2)\n"
        "run_id = begin_run(con, 'bench', t, 0)\n"
        f"merge_run(con, run_id, t, Path({str(staged)!r}), Path({str(empty)!r}), True, 'ok', RunFigures())\n"
        # VmHWM, not ru_maxrss: Linux carries a forking parent's peak into its exec'd child's ru_maxrss,
        # so this process would report the benchmark's own size
        "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    db.unlink()
    return Result(
        f"merge peak memory, {size:,} rows",
        int(done.stdout.strip().splitlines()[-1].split()[-1]) / 1024,
        None,
        "MiB",
        "< 1536",
    )


def noop_growth(base: Path, staged: Path, empty: Path, count: int, size: int) -> Result:
    """File growth over `count` merges of the same snapshot; the run ledger's own rows aside."""
    from warehouse.db import connect
    from warehouse.merge import merge_run
    from warehouse.runs import RunFigures, begin_run

    db = base.with_name("noop.duckdb")
    shutil.copy(base, db)
    before_size = db.stat().st_size
    versions = []
    with connect(db) as con:
        (before,) = con.execute("select count(*) from versions").fetchone() or (0,)
        for i in range(count):
            t = dt.datetime(2026, 2, 1) + dt.timedelta(hours=i)
            run_id = begin_run(con, "bench", t, 0)
            merge_run(con, run_id, t, staged, empty, True, "ok", RunFigures())
        (after,) = con.execute("select count(*) from versions").fetchone() or (0,)
        con.execute("checkpoint")
        versions = [before, after]
    growth = (db.stat().st_size - before_size) / before_size * 100
    db.unlink()
    return Result(
        f"{count} no-op merges of {size:,} rows: file growth", growth, None, "%", "< 1",
        f"versions {versions[0]:,} -> {versions[1]:,}",
    )  # fmt: skip


def extraction(work: Path, rows: int, repeat: int) -> Result:
    """The spider's parse of one page of `rows` rows against a bare lxml parse of it."""
    country = generate.first_snapshot(1, rows)[0]
    generate.write_site([country], work / "extract")
    body = (work / "extract" / "country" / f"{country.id}.html").read_bytes()
    url = "http://127.0.0.1/benchmarked-clusters/?country=" + country.id

    def ours() -> float:
        start = time.perf_counter()
        table = parse_country(body, url)
        assert table is not None and len(table.rows) == rows
        return time.perf_counter() - start

    def theirs() -> float:
        start = time.perf_counter()
        assert len(yardstick.parse_country(body, country.id)) == rows
        return time.perf_counter() - start

    a, b = median_alternating(ours, theirs, repeat)
    return Result(f"extraction, one page of {rows:,} rows: rows/s", rows / a, rows / b, "rows/s", ">= 0.5x")


HEADER = ["| target | ecei-watch | yardstick | ratio | goal | detail |", "|---|---|---|---|---|---|"]


def line(r: Result) -> str:
    fmt = (lambda v: f"{v:,.0f}") if r.unit == "rows/s" else (lambda v: f"{v:.3f}")
    theirs = f"{fmt(r.theirs)} {r.unit}" if r.theirs is not None else ""
    ratio = f"{r.ratio:.2f}x" if r.ratio is not None else ""
    return f"| {r.target} | {fmt(r.ours)} {r.unit} | {theirs} | {ratio} | {r.goal} | {r.note} |"


def table(results: list[Result]) -> str:
    return "\n".join([*HEADER, *(line(r) for r in results)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="full")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--results", type=Path, help="write the table to this Markdown file")
    ap.add_argument("--only", choices=["e2e", "merge", "extract"], action="append")
    a = ap.parse_args(argv)
    (large, real, merge_sizes, noops) = SIZES[a.size]
    only = set(a.only or ["e2e", "merge", "extract"])
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
    out = table(results)
    if a.results:
        header = (
            f"## {dt.date.today().isoformat()}, size {a.size}, median of {a.repeat}\n\n"
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}.\n\n"
        )
        a.results.write_text(header + out + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
