"""The merge alone: ecei-watch's merge against the yardstick's merge SQL on the same staged rows,
its growth with size, and what a run of no-op merges adds to the file."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench import generate, yardstick
from bench.peak_memory import peak_memory
from bench.results import Result


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
        yardstick.stage_staged_rows(con, case.first)
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
        yardstick.stage_staged_rows(con, case.second)
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
