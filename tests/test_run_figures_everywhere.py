"""A run's figures, one definition shown everywhere: warehouse/semantics/run_figures.sql gives their
values, ecei/run_figures.py their names and order, and every surface that shows a run's figures
shows every one of them, in that order, as the definition has them: `crawl_runs`, `ecei refresh`'s
summary and --json, replay's, backfill's and the demo build's tables and --json, `ecei status`
(--json whole, the terminal's brief line saying so), the report's run health and the Prefect
artifact. On the demo warehouse, and on a replay of it."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from ecei import run_figures
from ecei.outputs.report import collect, render
from ecei.refresh.result import RefreshResult
from flows.report import refresh_markdown, table
from tests.cli.helpers import ecei
from tests.conftest import query
from warehouse.db import open_when_free
from warehouse.runs import RunFigures

DEMO_START_URL = "https://demo.ecei-watch.invalid/benchmarked-clusters"


def defined(db: Path) -> dict[int, dict[str, Any]]:
    """Each run's figures as the `run_figures` view has them, in its column order."""
    with closing(open_when_free(db, 10, read_only=True)) as con:
        cur = con.execute("select * from run_figures order by run_id")
        names = [d[0] for d in cur.description]
        return {row[0]: dict(zip(names[1:], row[1:], strict=True)) for row in cur.fetchall()}


def plain_env() -> dict[str, str]:
    """No width (stdout is a pipe): a table is printed a line a row; no Prefect server."""
    return {k: v for k, v in os.environ.items() if k != "COLUMNS" and not k.startswith(("PREFECT_", "ECEI_"))}


def table_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of the first rich table in `text` (heavy box: ┃ in the header, │ in rows)."""
    header = next((line for line in text.splitlines() if line.startswith("┃")), "")
    rows = [line for line in text.splitlines() if line.startswith("│")]

    def split(line: str, bar: str) -> list[str]:
        return [c.strip() for c in line.strip().strip(bar).split(bar)]

    return split(header, "┃"), [split(line, "│") for line in rows]


@pytest.fixture(scope="module")
def demo_copy(dated_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse, copied: replay opens its source for writing."""
    copy = tmp_path_factory.mktemp("figures") / "demo.duckdb"
    shutil.copy(dated_db, copy)
    return copy


@pytest.fixture(scope="module")
def replayed(demo_copy: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The demo replayed by `ecei replay --json`: the new file and the document printed."""
    target = demo_copy.with_name("replayed.duckdb")
    done = ecei("replay", "--db", str(demo_copy), "--into", str(target), "--json", env=plain_env())
    assert done.returncode == 0, done.stderr
    yield target, json.loads(done.stdout)


@pytest.fixture(params=["demo", "replayed"])
def warehouse(request: pytest.FixtureRequest, dated_db: Path) -> Path:
    if request.param == "demo":
        return dated_db
    replayed_db: Path = request.getfixturevalue("replayed")[0]
    return replayed_db


def test_the_definition_has_every_declared_figure_in_order_on_the_demo(dated_db: Path) -> None:
    figures = defined(dated_db)
    assert [list(f) for f in figures.values()] == [run_figures.fields()] * len(figures) and len(figures) == 3
    assert figures[3]["renamed"] == 1  # the demo's rename, in its last run


def test_crawl_runs_shows_every_figure_in_order(warehouse: Path) -> None:
    with closing(open_when_free(warehouse, 10, read_only=True)) as con:
        cur = con.execute("select * from crawl_runs order by run_id")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    fields = run_figures.fields()
    start = names.index(fields[0])
    assert names[start : start + len(fields)] == fields  # one block, in the declared order
    assert {r["run_id"]: {name: r[name] for name in fields} for r in rows} == defined(warehouse)


def test_replay_shows_every_figure(demo_copy: Path, replayed: tuple[Path, dict[str, Any]]) -> None:
    target, document = replayed
    figures = defined(target)
    assert figures == defined(demo_copy)  # the same code reads the same pages: the same figures
    for run in document["runs"]:
        assert {name: run[name] for name in run_figures.fields()} == figures[run["run_id"]]
    # and the table, each figure a column, in order
    done = ecei("replay", "--db", str(demo_copy), "--into", str(target.with_name("again.duckdb")), env=plain_env())
    assert done.returncode == 0, done.stderr
    header, rows = table_rows(done.stdout)
    assert header == ["run", "was", "started at (UTC)", "source", "status", *run_figures.labels()]
    assert {int(r[0]): r[5:] for r in rows} == {n: run_figures.cells(f) for n, f in figures.items()}


def test_the_demo_build_and_backfill_show_every_figure(tmp_path: Path) -> None:
    db, warcs = tmp_path / "demo.duckdb", tmp_path / "warcs"
    done = ecei("demo", "build", "--db", str(db), "--warcs", str(warcs), env=plain_env())
    assert done.returncode == 0, done.stderr
    header, rows = table_rows(done.stdout)
    assert header == ["run", "recorded at", "status", *run_figures.labels()]
    figures = defined(db)
    assert {int(r[0]): r[3:] for r in rows} == {n: run_figures.cells(f) for n, f in figures.items()}
    assert "1" in rows[2][3:]  # the rename's column is there, with the last run's rename
    # backfill prints replay's table; its --json has every figure too
    one = tmp_path / "one.duckdb"
    warc = str(warcs / "demo-2021-09.warc.gz")
    done = ecei("backfill", warc, "--db", str(one), "--start-url", DEMO_START_URL, "--json", env=plain_env())
    assert done.returncode == 0, done.stderr
    (run,) = json.loads(done.stdout)["runs"]
    assert {name: run[name] for name in run_figures.fields()} == defined(one)[run["run_id"]]


def test_refresh_shows_the_run_as_recorded(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    done = ecei("refresh", "--demo", "--demo-snapshot", "2016-06", "--db", str(db), "--json", env=plain_env())
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert {name: document[name] for name in run_figures.fields()} == defined(db)[document["run_id"]]
    # its summary: a row per figure, in order (wide enough that no label wraps beside the file's path,
    # however many change kinds the label of the changes names)
    wide = {**plain_env(), "COLUMNS": "250"}
    done = ecei("refresh", "--demo", "--demo-snapshot", "2021-09", "--db", str(db), env=wide)
    assert done.returncode == 0, done.stderr
    rows = [tuple(r) for r in table_rows(done.stdout)[1]]
    recorded = defined(db)[2]
    assert [r for r in rows if r[0] in run_figures.labels()] == run_figures.summary_rows(recorded)


def test_status_json_has_every_figure_and_the_terminal_says_it_is_brief(warehouse: Path) -> None:
    figures = defined(warehouse)
    last = figures[max(figures)]
    done = ecei("status", "--db", str(warehouse), "--json", env=plain_env())
    shown = json.loads(done.stdout)["last_refresh"]["figures"]
    assert list(shown) == run_figures.fields() and shown == last
    done = ecei("status", "--db", str(warehouse), env={**plain_env(), "COLUMNS": "300"})
    line = next(line for line in done.stdout.splitlines() if "rows seen" in line)
    assert f"{run_figures.one_line(last)} (the brief figures: --json has every one)" in line


def test_the_report_run_health_shows_every_figure(warehouse: Path) -> None:
    figures = defined(warehouse)
    with closing(open_when_free(warehouse, 10, read_only=True)) as con:
        data = collect(con, max(r[0] for r in query(warehouse, "select started_at from crawl_runs")).date())
    page = render(data)
    runs = page[page.index('<table id="runs-table">') : page.index("</table>", page.index('id="runs-table"'))]
    headings = re.findall(r'<th class="num">([^<]*)</th>', runs)
    assert headings == [f.heading for f in run_figures.FIGURES]
    for run_id, recorded in figures.items():
        row = runs[runs.index(f'<tr data-run-id="{run_id}">') :]
        row = row[: row.index("</tr>")]
        cells = re.findall(r'data-run-figure="[^"]*">([^<]*)</td>', row)
        assert [html.unescape(c) for c in cells] == run_figures.cells(recorded)


def test_the_flow_artifact_shows_the_figures_as_recorded(warehouse: Path) -> None:
    # the result of a refresh carries what it counted; the artifact shows the run the warehouse recorded
    for run_id, recorded in defined(warehouse).items():
        markdown = refresh_markdown(RefreshResult("ok", run_id, RunFigures(), db=str(warehouse)))
        assert table(["figure", "value"], run_figures.summary_rows(recorded)) in markdown
