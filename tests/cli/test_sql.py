"""`ecei sql` as a user runs it: reads only, in three formats, and says plainly what it refuses."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import duckdb
import pytest

from ecei.moments import stamp
from tests.cli.helpers import ECEI, ecei
from tests.conftest import query

DOCS = Path(__file__).resolve().parents[2] / "docs"
VIEWS_PAGE = DOCS / "analyst" / "views.md"
QUERY_PAGE = DOCS / "analyst" / "query.md"


def test_sql_json_is_one_array_of_objects(demo_db: Path) -> None:
    done = ecei("sql", "--db", str(demo_db), "--format", "json", "select name, valid_until from clusters_current")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert isinstance(rows, list) and rows and set(rows[0]) == {"name", "valid_until"}
    assert all(len(r["valid_until"]) == 10 for r in rows)


def test_sql_csv(demo_db: Path) -> None:
    done = ecei("sql", "--db", str(demo_db), "--format", "csv", "select 1 as a, 'x,y' as b")
    assert done.stdout.splitlines() == ["a,b", '1,"x,y"']


def test_sql_table_escapes_markup(demo_db: Path) -> None:
    done = ecei("sql", "--db", str(demo_db), "select '[bold]x[/bold]' as name")
    assert "[bold]x[/bold]" in done.stdout


@pytest.mark.parametrize(
    "statement",
    [
        "insert into runs (started_at, status, start_url) values (now(), 'ok', 'x')",
        "update runs set status = 'ok'",
        "delete from versions",
        "create table t (x int)",
        "drop view clusters_current",
        "attach '/tmp/other.duckdb' as other",
        "copy (select 1) to '/tmp/out.csv'",
        "install httpfs",
        "load httpfs",
        "export database '/tmp/export'",
        "set enable_external_access = true",
        "set lock_configuration = false",
        "truncate versions",
        "copy versions from '/tmp/in.csv'",
        "explain analyze delete from versions",
        "checkpoint",
        "pragma enable_profiling",
        "select 1; select 2",
    ],
)
def test_sql_refuses_anything_but_reading(demo_db: Path, statement: str) -> None:
    done = ecei("sql", "--db", str(demo_db), statement)
    assert done.returncode == 2
    assert "refused" in done.stderr
    assert "Traceback" not in done.stderr


def test_sql_cannot_read_outside_the_file(demo_db: Path) -> None:
    done = ecei("sql", "--db", str(demo_db), "select * from read_csv('/etc/passwd')")
    assert done.returncode == 2
    assert "refused" in done.stderr and "outside the warehouse" in done.stderr and "Traceback" not in done.stderr
    assert "root:" not in done.stdout


def test_sql_refuses_a_write_hidden_behind_nested_comments(demo_db: Path) -> None:
    hidden = "/* /* */ explain select 1 -- */ explain analyze create table t (x integer)"
    done = ecei("sql", "--db", str(demo_db), hidden)
    assert done.returncode == 2
    assert "refused: EXPLAIN is allowed only in front of a read" in done.stderr and "Traceback" not in done.stderr


def test_sql_error_is_plain(demo_db: Path) -> None:
    done = ecei("sql", "--db", str(demo_db), "select * from no_such_view")
    assert done.returncode == 1
    assert "no_such_view" in done.stderr and "Traceback" not in done.stderr


# a cross join of 10^13 rows: hours of work for DuckDB
FOREVER = "select count(*) from range(100000) a, range(100000) b, range(1000) c where a.range + b.range + c.range < 0"


def test_sql_past_its_time_limit_is_interrupted_in_one_line(demo_db: Path) -> None:
    began = time.monotonic()
    done = ecei("sql", "--db", str(demo_db), FOREVER, env={**os.environ, "ECEI_SQL_TIMEOUT": "2"})
    took = time.monotonic() - began
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (
        "query failed: the query ran longer than its time limit of 2 s and was stopped (ECEI_SQL_TIMEOUT)"
    )
    assert took < 2 + 20, f"the query held on for {took:.0f} s"
    assert done.stdout == ""


def test_sql_needing_more_than_its_memory_limit_fails_cleanly(demo_db: Path) -> None:
    greedy = "select string_agg(range::varchar || repeat('x', 100), ',') from range(10000000)"
    done = ecei("sql", "--db", str(demo_db), greedy, env={**os.environ, "ECEI_SQL_MEMORY_LIMIT": "100MB"})
    assert done.returncode == 1, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("query failed: the query needs more memory than its limit of 100MB: Out of Memory")
    assert line.endswith("(ECEI_SQL_MEMORY_LIMIT)")
    assert not demo_db.with_name(demo_db.name + ".tmp").exists()  # nothing spilled beside the warehouse


def test_sql_without_warehouse(tmp_path: Path) -> None:
    done = ecei("sql", "--db", str(tmp_path / "none.duckdb"), "select 1")
    assert done.returncode == 2 and "ecei refresh" in done.stderr


# --- where the query comes from, where the result goes, in which format ---


@pytest.mark.parametrize("given", ["CSV", "Csv", "csv"])
def test_formats_are_case_insensitive(demo_db: Path, given: str) -> None:
    done = ecei("sql", "--db", str(demo_db), "--format", given, "select 1 as a")
    assert (done.returncode, done.stdout) == (0, "a\n1\n"), done.stderr


def test_the_query_from_a_file_and_from_standard_input(demo_db: Path, tmp_path: Path) -> None:
    script = tmp_path / "count.sql"
    script.write_text("-- how many\nselect count(*) as clusters\nfrom clusters_current;\n")
    from_file = ecei("sql", "--db", str(demo_db), "--format", "csv", "-f", str(script))
    piped = subprocess.run(
        [ECEI, "sql", "--db", str(demo_db), "--format", "csv", "-"],
        input=script.read_text(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    (expected,) = query(demo_db, "select count(*) from clusters_current")[0]
    assert from_file.stdout == piped.stdout == f"clusters\n{expected}\n", from_file.stderr + piped.stderr


def test_a_missing_file_or_two_queries_is_a_usage_error(demo_db: Path, tmp_path: Path) -> None:
    missing = ecei("sql", "--db", str(demo_db), "-f", str(tmp_path / "none.sql"))
    both = ecei("sql", "--db", str(demo_db), "-f", str(tmp_path / "none.sql"), "select 1")
    for done in (missing, both):
        assert done.returncode == 2
        (line,) = done.stderr.splitlines()
        assert line.startswith("usage error: ") and line.endswith("(see `ecei sql --help`)")
    assert "none.sql" in missing.stderr and "QUERY, -f" in both.stderr


# a script as a person writes one: a comment, a `;` in a string and in a comment, a statement over two lines
SCRIPT = """\
-- the first two
select 1 as a;
/* ; */ select 'x;y' as b,
  2 as c;
select 3 as last
"""


def piped(*args: str, given: str) -> subprocess.CompletedProcess[str]:
    """`ecei ARGS` with `given` on standard input (a pipe)."""
    return subprocess.run([ECEI, *args], input=given, capture_output=True, text=True, timeout=60)


def test_every_statement_of_a_file_or_a_pipe_runs_in_order(demo_db: Path, tmp_path: Path) -> None:
    script = tmp_path / "queries.sql"
    script.write_text(SCRIPT)
    from_file = ecei("sql", "--db", str(demo_db), "--format", "csv", "-f", str(script))
    dashed = piped("sql", "--db", str(demo_db), "--format", "csv", "-", given=SCRIPT)
    bare = piped("sql", "--db", str(demo_db), "--format", "csv", given=SCRIPT)  # a pipe needs no -
    for done in (from_file, dashed, bare):
        assert (done.returncode, done.stderr) == (0, "")
        # CSVs one after another, a blank line between two
        assert done.stdout == "a\n1\n\nb,c\nx;y,2\n\nlast\n3\n"
    # JSON: each result its own document; JSON lines: each result's lines after the last's
    as_json = piped("sql", "--db", str(demo_db), "--format", "json", given=SCRIPT).stdout.splitlines()
    assert [json.loads(line) for line in as_json] == [[{"a": 1}], [{"b": "x;y", "c": 2}], [{"last": 3}]]
    as_lines = piped("sql", "--db", str(demo_db), "--format", "jsonl", given=SCRIPT).stdout.splitlines()
    assert [json.loads(line) for line in as_lines] == [{"a": 1}, {"b": "x;y", "c": 2}, {"last": 3}]
    tables = piped("sql", "--db", str(demo_db), given=SCRIPT).stdout
    assert tables.count("┏") == 3 and "┘\n\n┏" in tables


def test_echo_into_ecei_sql_answers(demo_db: Path) -> None:
    done = piped("sql", "--db", str(demo_db), "--format", "csv", given="select 42 as answer;\n")
    assert (done.returncode, done.stdout, done.stderr) == (0, "answer\n42\n", "")
    nothing = piped("sql", "--db", str(demo_db), given="-- nothing but a comment\n")
    assert nothing.returncode == 2 and nothing.stderr.startswith("usage error: standard input holds no statement")


@pytest.mark.parametrize(
    ("third", "code", "said"),
    [
        ("delete from versions;", 2, "refused: statement 3 of {src} (line 5): DELETE statements are not allowed"),
        ("select *\nfrom no_such_view;", 1, "query failed: statement 3 of {src} (line 5): Catalog Error"),
        ("selec 3;", 1, "query failed: statement 3 of {src} (line 5): Parser Error: syntax error"),
    ],
    ids=["refused", "fails", "does not parse"],
)
def test_a_script_stops_at_the_statement_refused_or_failed_and_names_it(
    demo_db: Path, tmp_path: Path, third: str, code: int, said: str
) -> None:
    text = f"select 1 as a;\nselect 2 as b;\n\n-- the third\n{third}\nselect 4 as never;\n"
    script = tmp_path / "queries.sql"
    script.write_text(text)
    from_file = ecei("sql", "--db", str(demo_db), "--format", "csv", "-f", str(script))
    from_pipe = piped("sql", "--db", str(demo_db), "--format", "csv", given=text)
    for done, src in ((from_file, str(script)), (from_pipe, "standard input")):
        assert done.returncode == code
        assert done.stdout == "a\n1\n\nb\n2\n"  # what came before is written; nothing after
        assert done.stderr.startswith(said.format(src=src)), done.stderr
        assert "Traceback" not in done.stderr
    # DuckDB's own pointer names the script's line, not the statement's
    if code == 1:
        assert "LINE 5:" in from_file.stderr or "LINE 6:" in from_file.stderr


def test_several_results_into_one_file_only_where_the_format_holds_them(demo_db: Path, tmp_path: Path) -> None:
    script = tmp_path / "queries.sql"
    script.write_text(SCRIPT)
    for name in ("x.md", "x.jsonl", "x.txt"):
        done = ecei("sql", "--db", str(demo_db), "-f", str(script), "-o", str(tmp_path / name))
        assert (done.returncode, done.stdout) == (0, ""), done.stderr
        assert done.stderr == f"3 results, 3 rows written to {tmp_path / name}\n"
    assert (tmp_path / "x.md").read_text().split("\n\n")[1] == "| b | c |\n|---|---|\n| x;y | 2 |"
    assert len((tmp_path / "x.jsonl").read_text().splitlines()) == 3
    for name in ("x.csv", "x.tsv", "x.json"):
        done = ecei("sql", "--db", str(demo_db), "-f", str(script), "-o", str(tmp_path / name))
        assert done.returncode == 2 and "file holds one result" in done.stderr
        assert not (tmp_path / name).exists()
    # a script that fails half way leaves no file at all: -o is written whole or not at all
    failing = tmp_path / "failing.sql"
    failing.write_text("select 1 as a;\nselect * from no_such_view;\n")
    done = ecei("sql", "--db", str(demo_db), "-f", str(failing), "-o", str(tmp_path / "half.md"))
    assert done.returncode == 1 and not (tmp_path / "half.md").exists()


def test_results_to_a_file_in_the_format_its_suffix_names(demo_db: Path, tmp_path: Path) -> None:
    statement = "select name, valid_until, first_seen_at from clusters_current order by name"
    rows = query(demo_db, statement)
    csv_out, json_out, table_out = tmp_path / "x.csv", tmp_path / "x.json", tmp_path / "x.txt"
    for target in (csv_out, json_out, table_out):
        done = ecei("sql", "--db", str(demo_db), "-o", str(target), statement, env={**os.environ, "COLUMNS": "40"})
        assert done.returncode == 0 and done.stdout == "", done.stderr
        assert done.stderr == f"{len(rows):,} rows written to {target}\n"
    assert list(csv.reader(csv_out.open()))[1] == [rows[0][0], rows[0][1].isoformat(), stamp(rows[0][2])]
    assert json.loads(json_out.read_text())[0] == {
        "name": rows[0][0],
        "valid_until": rows[0][1].isoformat(),
        "first_seen_at": stamp(rows[0][2]),
    }
    # a file has no width: the table is whole, every row on one line, every column there
    lines = table_out.read_text().splitlines()
    assert len(lines) == len(rows) + 4 and all(f" {r[0]} " in "\n".join(lines) for r in rows)
    assert "not shown" not in table_out.read_text()


def test_a_failed_query_leaves_the_output_file_alone(demo_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "kept.csv"
    target.write_text("earlier\n")
    done = ecei("sql", "--db", str(demo_db), "-o", str(target), "select * from no_such_view")
    assert done.returncode == 1
    assert target.read_text() == "earlier\n" and list(tmp_path.iterdir()) == [target]
    nowhere = ecei("sql", "--db", str(demo_db), "-o", str(tmp_path / "no" / "x.csv"), "select 1")
    assert nowhere.returncode == 2 and "there is no folder" in nowhere.stderr


TYPED = (
    "select [1, 2] as ids, {'k': 'v', 'n': [timestamp '2018-10-15 09:30:00']} as thing, "
    "timestamp '2018-10-15 09:30:00.25' as at, timestamptz '2018-10-15 11:30:00+02' as zoned, "
    "date '2018-10-15' as day, null as nothing, true as yes"
)


STAMP = "2018-10-15T09:30:00Z"


def test_lists_and_structs_stay_json_and_timestamps_read_the_same_everywhere(demo_db: Path) -> None:
    as_csv = ecei("sql", "--db", str(demo_db), "--format", "csv", TYPED)
    assert list(csv.reader(as_csv.stdout.splitlines())) == [
        ["ids", "thing", "at", "zoned", "day", "nothing", "yes"],
        ["[1,2]", '{"k":"v","n":["2018-10-15T09:30:00Z"]}', STAMP, STAMP, "2018-10-15", "", "true"],
    ]
    as_json = ecei("sql", "--db", str(demo_db), "--format", "json", TYPED)
    assert json.loads(as_json.stdout) == [
        {
            "ids": [1, 2],
            "thing": {"k": "v", "n": ["2018-10-15T09:30:00Z"]},
            "at": "2018-10-15T09:30:00Z",
            "zoned": "2018-10-15T09:30:00Z",
            "day": "2018-10-15",
            "nothing": None,
            "yes": True,
        }
    ]
    lines = ecei("sql", "--db", str(demo_db), "--format", "jsonl", TYPED).stdout.splitlines()
    assert [json.loads(line) for line in lines] == json.loads(as_json.stdout)
    table = ecei("sql", "--db", str(demo_db), TYPED, wide=True).stdout
    assert "2018-10-15T09:30:00Z" in table and "[1,2]" in table and "NULL" in table


def test_markdown_and_tsv(demo_db: Path) -> None:
    md = ecei("sql", "--db", str(demo_db), "--format", "markdown", "select 'a|b' as x, 2 as y")
    assert md.stdout == "| x | y |\n|---|---|\n| a\\|b | 2 |\n"
    tsv = ecei("sql", "--db", str(demo_db), "--format", "tsv", "select 'a b' as x, 2 as y")
    assert tsv.stdout == "x\ty\na b\t2\n"


def test_busy_warehouse_exits_4(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "held.duckdb"
    shutil.copyfile(demo_db, db)
    ready = tmp_path / "ready"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), str(ready)], stdin=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and holder.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), holder.stderr.read() if holder.stderr else ""
        done = ecei("sql", "--live", "--db", str(db), "select 1", env={**os.environ, "ECEI_BUSY_TIMEOUT": "0.5"})
    finally:
        holder.communicate(b"", timeout=60)
    assert done.returncode == 4, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"busy: the warehouse {db} is busy")


# another process writing: it holds the file until its standard input closes
HOLD = (
    "import duckdb, pathlib, sys\n"
    "con = duckdb.connect(sys.argv[1])\n"
    "con.execute('begin transaction')\n"
    "pathlib.Path(sys.argv[2]).touch()\n"
    "sys.stdin.read()\n"
)


# --- a table that fits the terminal, and says what it left out ---


def drawn(table: str, edge: str) -> list[list[str]]:
    """The lines of a rich table drawn with `edge` (┃ the header, │ the body), split into cells."""
    return [[p[1:-1] for p in line[1:-1].split(edge)] for line in table.splitlines() if line.startswith(edge)]


def joined(lines: list[list[str]]) -> list[str]:
    """The cells of a row folded over `lines`, each read back (padding aside) in order."""
    return ["".join(piece.rstrip() for piece in column) for column in zip(*lines, strict=True)]


LONG = "select 'Arena ' || repeat('long name ', 8) || 'end' as name, repeat('x', 70) as code, 7 as n"


@pytest.mark.parametrize("width", [60, 200])
def test_a_long_value_is_folded_never_cut(demo_db: Path, width: int) -> None:
    done = ecei("sql", "--db", str(demo_db), LONG, env={**os.environ, "COLUMNS": str(width)})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in done.stdout and "not shown" not in done.stdout
    (name, code, n) = query(demo_db, LONG)[0]
    assert joined(drawn(done.stdout, "┃")) == ["name", "code", "n"]
    # the folds of a cell, read back in order, are the value (a fold at a space keeps the space)
    row = joined(drawn(done.stdout, "│"))
    assert [c.replace(" ", "") for c in row] == [name.replace(" ", ""), code, str(n)]
    assert (len(drawn(done.stdout, "│")) > 1) == (width == 60)


def test_columns_that_do_not_fit_are_named_under_the_table(demo_db: Path) -> None:
    statement = "select * from clusters_current order by name limit 3"
    narrow = ecei("sql", "--db", str(demo_db), statement, env={**os.environ, "COLUMNS": "60"})
    assert narrow.returncode == 0, narrow.stderr
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 60
    header = joined(drawn(narrow.stdout, "┃"))
    columns = [d for (d,) in query(demo_db, f"select column_name from (describe {statement})")]
    # DuckDB's way: the first and the last columns kept, the middle ones dropped and a gap for them
    assert header[0] == columns[0] and header[-1] == columns[-1] and "…" in header
    left_out = [c for c in columns if c not in header]
    under = narrow.stdout.split("┘\n", 1)[1]  # the note, folded at the terminal's width
    assert " ".join(under.split()) == (
        f"{len(left_out)} columns not shown: {', '.join(left_out)} (terminal is 60 wide; use --format csv or -o FILE)"
    )
    wide = ecei("sql", "--db", str(demo_db), statement, env={**os.environ, "COLUMNS": "400"})
    assert joined(drawn(wide.stdout, "┃")) == columns and "not shown" not in wide.stdout


def test_rows_beyond_the_cap_are_counted(demo_db: Path) -> None:
    done = ecei("sql", "--db", str(demo_db), "--max-rows", "4", "select range as r from range(10)")
    assert [c.strip() for (c,) in drawn(done.stdout, "│")] == ["0", "1", "…", "8", "9"]
    assert done.stdout.splitlines()[-1] == "10 rows, 4 shown (the first 2 and the last 2; --max-rows 0 shows every row)"
    every = ecei("sql", "--db", str(demo_db), "select range as r from range(100)")  # not a terminal: all of them
    assert len(drawn(every.stdout, "│")) == 100 and "shown" not in every.stdout


# --- the public interface, described ---


def documented_public_names() -> list[str]:
    """The names the manual's page of the public views gives its sections."""
    headings = re.findall(r"^## (.+)$", VIEWS_PAGE.read_text(), re.M)
    return sorted(re.sub(r"\(.*\)", "", name) for h in headings for name in re.findall(r"`([^`]+)`", h))


def test_views_lists_the_public_interface_the_manual_documents(demo_db: Path) -> None:
    done = ecei("sql", "--db", str(demo_db), "--views", "--format", "json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert sorted(re.sub(r"\(.*\)", "", v["name"]) for v in listed) == documented_public_names()
    assert all(v["description"] and v["kind"] in ("view", "table", "table macro", "macro") for v in listed)
    # the descriptions are DuckDB's own comments: an analyst's own client sees them too
    comments = dict(query(demo_db, "select view_name, comment from duckdb_views() where not internal"))
    assert {v["name"]: v["description"] for v in listed if v["kind"] == "view"} == comments
    table = ecei("sql", "--db", str(demo_db), "--views", wide=True)
    assert "clusters_as_of(ts)" in table.stdout and "cluster_link_decisions" in table.stdout


def test_version(tmp_path: Path) -> None:
    done = ecei("--version", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout == f"ecei-watch {version('ecei-watch')} (DuckDB {duckdb.__version__})\n"


# --- fast to answer: what `ecei sql` imports ---

PROBE = """\
import sys
sys.argv = ["ecei", "sql", "--db", sys.argv[1], "select 1"]
from ecei.cli import main
try:
    main()
except SystemExit as exc:
    assert exc.code == 0, exc.code
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_sql_imports_neither_the_crawl_nor_the_flows_nor_pydantic(demo_db: Path) -> None:
    # the reason `ecei sql` answers about as fast as DuckDB: it loads none of these (bench/sql_latency.py)
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ECEI_")}
    done = subprocess.run([sys.executable, "-c", PROBE, str(demo_db)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.splitlines()[-1].split())
    assert {"duckdb", "rich", "ecei"} <= loaded
    heavy = {"scrapy", "twisted", "prefect", "apprise", "plotly", "jinja2", "pydantic", "pydantic_settings", "lxml"}
    assert loaded & heavy == set()


def test_sql_reads_the_published_copy_and_the_live_file_with_live(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    shutil.copyfile(demo_db, db)
    # nothing published yet: the live file, said once on stderr
    first = ecei("sql", "--db", str(db), "--format", "csv", "select count(*) as n from crawl_runs")
    assert (first.returncode, first.stdout) == (0, "n\n1\n")
    assert first.stderr.count("no published copy") == 1 and "reading the live file" in first.stderr

    published = ecei("alerts", "--db", str(db), "--today", "2016-06-15")  # a write: it publishes
    assert published.returncode == 0, published.stderr
    with duckdb.connect(str(db)) as con:  # a write no writer made: only the live file has it
        con.execute("create table only_live as select 42 as answer")

    default = ecei("sql", "--db", str(db), "--format", "csv", "select answer from only_live")
    assert default.returncode == 1 and "only_live does not exist" in default.stderr
    live = ecei("sql", "--live", "--db", str(db), "--format", "csv", "select answer from only_live")
    assert (live.returncode, live.stdout, live.stderr) == (0, "answer\n42\n", "")
    runs = ecei("sql", "--db", str(db), "--format", "csv", "select count(*) as n from alert_runs")
    assert (runs.returncode, runs.stdout, runs.stderr) == (0, "n\n1\n", "")


# --- bounded: a statement's size, a value's width, the rows held, the time of the whole answer ---


@pytest.mark.parametrize("statement", ["selec 1", "select (1", "explain selec 1"])
def test_a_statement_that_does_not_parse_is_a_sql_error_exit_1(demo_db: Path, statement: str) -> None:
    done = ecei("sql", "--db", str(demo_db), statement)
    assert done.returncode == 1, done.stderr  # the manual: 1 for a SQL error, 2 for a refused statement
    assert done.stderr.startswith("query failed: Parser Error: syntax error") and done.stdout == ""
    assert "`ecei sql` exits 0 on success, 1 for a SQL error (a statement that does not parse" in QUERY_PAGE.read_text()


def test_a_statement_file_or_input_past_the_cap_is_refused_in_one_line(demo_db: Path) -> None:
    from_file = ecei("sql", "--db", str(demo_db), "-f", "/dev/zero")
    with open("/dev/zero", "rb") as zeros:
        piped = subprocess.run([ECEI, "sql", "--db", str(demo_db), "-"], stdin=zeros, capture_output=True, timeout=180)
    assert (from_file.returncode, piped.returncode) == (2, 2)
    (line,) = from_file.stderr.splitlines()
    assert line == "refused: the statement in /dev/zero is larger than 1,048,576 bytes: nothing was read from it"
    (line,) = piped.stderr.decode().splitlines()
    assert line.startswith("refused: the statement on standard input") and "1,048,576 bytes" in line


def test_the_shell_refuses_a_statement_past_the_cap(demo_db: Path) -> None:
    with open("/dev/zero", "rb") as zeros:
        done = subprocess.run(
            [ECEI, "sql", "--shell", "--db", str(demo_db)], stdin=zeros, capture_output=True, timeout=180
        )
    assert done.returncode == 2
    (line,) = done.stderr.decode().splitlines()
    assert line == "refused: a statement longer than 1,048,576 characters; the shell stops here"


def test_a_megabyte_value_in_the_table_is_cut_and_said(demo_db: Path) -> None:
    # a name that long on the site used to take the table minutes to fold (the fold was quadratic)
    statement = "select 'Arena ' || repeat('x', 1000000) as name, 7 as n"
    done = ecei("sql", "--db", str(demo_db), statement, env={**os.environ, "COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) < 20_000 and "│ Arena xxx" in done.stdout and "x…" in done.stdout
    note = " ".join(done.stdout.split("┘\n", 1)[1].split())
    assert note == (
        "1 value cut at 200 characters a line or 50 lines, marked … "
        "(--format csv, json or -o FILE.csv shows them whole)"
    )
    whole = ecei("sql", "--db", str(demo_db), "--format", "csv", statement)
    assert len(whole.stdout.splitlines()[1]) == len("Arena ") + 1_000_000 + len(",7")


def test_rows_are_written_while_the_query_still_makes_them(demo_db: Path) -> None:
    # far more rows than memory holds: the first are on stdout long before the last are made
    endless = "select range as i from range(1000000000000)"
    env = {**os.environ, "ECEI_SQL_TIMEOUT": "10"}
    process = subprocess.Popen(
        [ECEI, "sql", "--db", str(demo_db), "--format", "csv", endless],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert process.stdout is not None
        assert [process.stdout.readline() for _ in range(3)] == [b"i\n", b"0\n", b"1\n"]
    finally:
        process.kill()
        process.communicate(timeout=60)


def test_the_time_limit_counts_the_writing_too(demo_db: Path) -> None:
    # a reader that takes its time: the rows wait in a full pipe, and the limit still holds
    rows = "select range as i from range(300000)"
    env = {**os.environ, "ECEI_SQL_TIMEOUT": "2"}
    process = subprocess.Popen(
        [ECEI, "sql", "--db", str(demo_db), "--format", "csv", rows],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == b"i\n"  # the query runs: its limit counts from before this line
    time.sleep(3)  # longer than the limit, with the pipe full
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1, err
    assert err.decode().splitlines()[-1] == (
        "query failed: the query ran longer than its time limit of 2 s and was stopped (ECEI_SQL_TIMEOUT)"
    )
    assert len(out.splitlines()) < 300000
