"""The read-only guard of `ecei sql`: every statement type that writes or reaches out is refused.

The CLI tests run a few of these through the real command (exit 2, no traceback); here each
type is checked against a real warehouse file, in-process, and the file is checked unchanged.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warehouse.db import connect, sql_file
from warehouse.query import QueryInvalid, QueryRefused, run_query, split_script


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("query") / "ecei.duckdb"
    with connect(db) as con:
        con.execute("insert into runs (started_at, status, start_url) values (now(), 'ok', 'http://x.example/')")
    return db


def contents(db: Path) -> list[object]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
        return [con.execute(f"select * from {t} order by all").fetchall() for t in tables] + [
            con.execute("select count(*) from duckdb_views() where not internal").fetchall()
        ]


def fingerprint(db: Path) -> tuple[bytes, int, bool]:
    """The file's bytes and time, and whether a write-ahead log appeared: cheaper than reading every table."""
    return hashlib.sha256(db.read_bytes()).digest(), db.stat().st_mtime_ns, db.with_name(db.name + ".wal").exists()


REFUSED = {
    "insert": "insert into runs (started_at, status, start_url) values (now(), 'ok', 'x')",
    "insert in a with": "with x as (select 1) insert into runs (started_at, status, start_url) select now(), 'ok', 'x'",
    "update": "update runs set status = 'failed'",
    "delete": "delete from versions",
    "truncate": "truncate versions",
    "create table": "create table t (x integer)",
    "create view": "create view v as select 1",
    "create macro": "create macro m() as 1",
    "create secret": "create secret s (type s3, key_id 'x', secret 'y')",
    "drop": "drop view clusters_current",
    "alter": "alter table versions add column x integer",
    "comment": "comment on table versions is 'x'",
    "attach": "attach '/tmp/ecei-other.duckdb' as other",
    "detach": "detach memory",
    "use": "use memory",
    "copy to": "copy (select 1) to '/tmp/ecei-out.csv'",
    "copy from": "copy versions from '/tmp/ecei-in.csv'",
    "export": "export database '/tmp/ecei-export'",
    "import": "import database '/tmp/ecei-export'",
    "install": "install httpfs",
    "load": "load httpfs",
    "set external access": "set enable_external_access = true",
    "set lock_configuration": "set lock_configuration = false",
    "set allowed_directories": "set allowed_directories = ['/']",
    "set autoinstall": "set autoinstall_known_extensions = true",
    "reset": "reset enable_external_access",
    "pragma": "pragma enable_profiling",
    "call": "call pragma_version()",
    "checkpoint": "checkpoint",
    "vacuum": "vacuum",
    "begin": "begin transaction",
    "explain analyze delete": "explain analyze delete from versions",
    "explain analyze copy": "explain analyze copy (select 1) to '/tmp/ecei-out.csv'",
    "two statements": "select 1; drop table versions",
}


@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
def test_refused(warehouse: Path, statement: str) -> None:
    before = contents(warehouse)
    with pytest.raises(QueryRefused):
        run_query(warehouse, statement, busy_timeout=1)
    assert contents(warehouse) == before


@pytest.mark.parametrize("statement", ["selct 1", "explain selct 1", "select (1"])
def test_text_that_does_not_parse_is_a_sql_error_not_a_refusal(warehouse: Path, statement: str) -> None:
    # the manual's exit codes: a SQL error (1), whatever DuckDB's stage that finds it; a refusal (2) is a write
    with pytest.raises(QueryInvalid, match="Parser Error"):
        run_query(warehouse, statement, busy_timeout=1)


OUTSIDE = {
    "read_csv": "select * from read_csv('/etc/passwd')",
    "read_text": "select * from read_text('/etc/hostname')",
    "glob": "select * from glob('/etc/*')",
    "a URL as a table": "select * from 'http://127.0.0.1:9/x.csv'",
}


@pytest.mark.parametrize("statement", OUTSIDE.values(), ids=OUTSIDE.keys())
def test_reading_outside_the_file_is_refused(warehouse: Path, statement: str) -> None:
    # external access is off on the connection: DuckDB itself refuses, and that is a refusal
    with pytest.raises(QueryRefused, match="reaches outside the warehouse"):
        run_query(warehouse, statement, busy_timeout=1)


def test_a_bare_path_is_no_table(warehouse: Path) -> None:
    # the replacement scan that would read it is off with external access
    with pytest.raises(duckdb.CatalogException):
        run_query(warehouse, "select * from '/etc/passwd'", busy_timeout=1)


def test_a_write_hidden_behind_nested_comments_is_refused(warehouse: Path) -> None:
    # a pattern that knows no nesting closed the comment early and saw `explain select 1`;
    # DuckDB's parser sees one comment, then EXPLAIN ANALYZE of a CREATE
    hidden = "/* /* */ explain select 1 -- */ explain analyze create table t (x integer)"
    before = contents(warehouse)
    with pytest.raises(QueryRefused, match="EXPLAIN is allowed only in front of a read"):
        run_query(warehouse, hidden, busy_timeout=1)
    assert contents(warehouse) == before


@pytest.mark.parametrize(
    "statement",
    [
        "select count(*) from crawl_runs",
        "from crawl_runs",
        "describe versions",
        "show tables",
        "summarize crawl_runs",
        "explain select * from clusters_current",
        "-- why\nexplain analyze select count(*) from cluster_history",
        "/* é */ EXPLAIN/* x */ANALYSE /* y */ select 'ü'",
        "explain analyze (select 1)",
        "select 1 as analyze",
    ],
)
def test_reads_are_answered(warehouse: Path, statement: str) -> None:
    columns, _ = run_query(warehouse, statement, busy_timeout=1)
    assert columns


# --- statement text as an attacker writes it: DuckDB's parser decides, so no spelling gets past ---

OUT = Path(tempfile.gettempdir()) / f"ecei-guard-{os.getpid()}"  # must never be created
LIT = "{lit}"
READ_TOKENS = [
    ["select", LIT, "as", "x"],
    [
        "select",
        "count",
        "(",
        "*",
        ")",
        "from",
        "crawl_runs",
        "where",
        "run_id",
        "is",
        "not",
        "null",
        "or",
        LIT,
        "=",
        LIT,
    ],
    ["with", "a", "as", "(", "select", LIT, "as", "x", ")", "select", "*", "from", "a"],
    ["from", "versions", "limit", "1"],
    ["describe", "versions"],
    ["show", "tables"],
    ["summarize", "select", LIT, "as", "x"],
    ["explain", "select", LIT],
    ["explain", "analyze", "select", LIT],
    ["values", "(", LIT, ")"],
    ["select", LIT, "union", "all", "select", LIT],
]
INSERT = ["insert", "into", "runs", "(", "started_at", ",", "status", ",", "start_url", ")"]
WRITE_TOKENS = [
    [*INSERT, "values", "(", "now", "(", ")", ",", "'ok'", ",", LIT, ")"],
    ["with", "x", "as", "(", "select", "1", ")", *INSERT, "select", "now", "(", ")", ",", "'ok'", ",", LIT],
    ["update", "runs", "set", "start_url", "=", LIT],
    ["delete", "from", "versions", "where", "name", "=", LIT],
    ["drop", "view", "clusters_current"],
    ["create", "table", "t", "as", "select", LIT, "as", "x"],
    ["copy", "(", "select", LIT, ")", "to", f"'{OUT}.csv'"],
    ["attach", f"'{OUT}.duckdb'", "as", "other"],
    ["export", "database", f"'{OUT}'"],
    ["set", "enable_external_access", "=", "true"],
    ["pragma", "enable_profiling"],
    ["call", "pragma_version", "(", ")"],
    ["explain", "analyze", "delete", "from", "versions"],
    ["explain", "analyze", "copy", "(", "select", LIT, ")", "to", f"'{OUT}.csv'"],
    ["checkpoint"],
    ["load", "httpfs"],
    ["select", "*", "from", "read_csv", "(", "'/etc/passwd'", ")"],
    ["select", "*", "from", "glob", "(", f"'{OUT}*'", ")"],
]
# text that means something elsewhere: keywords, terminators, comment marks, controls, bidi
HOSTILE = ["drop table versions", ";", "--", "/*", "*/", "'", '"', "\n", "\x1b[31m", "\u202e", "é", "$1", "explain"]
# a comment's own text holds no / or * so that it opens or closes nothing by accident
BODY = st.text(st.characters(blacklist_characters="/*\x00", blacklist_categories=("Cs",)), max_size=12)
QUIET = st.sampled_from([h for h in HOSTILE if "/" not in h and "*" not in h])
BLOCK = st.recursive(
    BODY.map(lambda b: f"/*{b}*/"),
    lambda inner: st.lists(st.one_of(BODY, QUIET, inner), max_size=3).map(lambda parts: "/*" + "".join(parts) + "*/"),
    max_leaves=6,
)
LINE = st.lists(st.one_of(BODY, st.sampled_from(HOSTILE)), max_size=4).map(
    lambda parts: "--" + "".join(parts).replace("\n", " ").replace("\r", " ") + "\n"
)
SPACE = st.sampled_from([" ", "\t", "\n", "\r\n", "  "])
GAP = st.lists(st.tuples(st.one_of(BLOCK, LINE), SPACE), max_size=2).flatmap(
    lambda comments: SPACE.map(lambda s: s + "".join(c + w for c, w in comments))
)
LITERAL = st.lists(st.one_of(BODY, st.sampled_from(HOSTILE)), max_size=4).map(
    lambda parts: "'" + "".join(parts).replace("\x00", "").replace("'", "''") + "'"
)


@st.composite
def spelled(draw: st.DrawFn, tokens: list[str]) -> str:
    """Tokens in any case, each literal drawn, joined by whitespace and comments (nested ones too)."""
    text = draw(GAP) if draw(st.booleans()) else ""
    for i, token in enumerate(tokens):
        if token == LIT:
            token = draw(LITERAL)
        elif not token.startswith("'"):
            token = "".join(c.upper() if draw(st.booleans()) else c for c in token)
        text += token + (draw(GAP) if i < len(tokens) - 1 else "")
    return text + draw(st.sampled_from(["", ";", " ;", ";  ", f"{draw(GAP)};"]))


def explainable(write: str) -> bool:
    """Whether DuckDB's parser takes `explain analyze` in front of `write`."""
    try:
        duckdb.extract_statements(f"explain analyze {write}")
    except duckdb.Error:
        return False
    return True


READS = st.sampled_from(READ_TOKENS).flatmap(spelled)
WRITES = st.one_of(
    st.sampled_from(WRITE_TOKENS).flatmap(spelled),
    # a read first, then a write: two statements
    st.tuples(READS, st.sampled_from(WRITE_TOKENS).flatmap(spelled)).map(lambda rw: rw[0].rstrip(";") + ";" + rw[1]),
    # the trick: a nested comment that a pattern closes early, holding a read; its parts
    # hold no comment marks of their own, which would move where the nested comment really ends
    # (a `*/` in the write's gap can leave only a harmless VALUES after the comment); and only a
    # write that EXPLAIN ANALYZE takes: `explain analyze export ...` or `explain analyze explain ...`
    # does not parse at all (a SQL error, nothing runs: test_no_text_gets_a_write_past_the_guard)
    st.tuples(READS, st.sampled_from(WRITE_TOKENS).flatmap(spelled))
    .filter(lambda rw: not any(mark in part for part in rw for mark in ("/*", "*/")))
    .filter(lambda rw: explainable(rw[1]))
    .map(lambda rw: f"/* /* */ explain {rw[0].rstrip(';')} -- */ explain analyze {rw[1]}"),
)
HYPOTHESIS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HYPOTHESIS
@given(READS)
def test_every_read_however_spelled_is_answered(warehouse: Path, statement: str) -> None:
    columns, _ = run_query(warehouse, statement, busy_timeout=1)
    assert columns


@HYPOTHESIS
@given(WRITES)
def test_every_write_or_outside_reach_however_spelled_is_refused(warehouse: Path, statement: str) -> None:
    before = fingerprint(warehouse)
    with pytest.raises(QueryRefused) as refused:
        run_query(warehouse, statement, busy_timeout=1)
    assert str(refused.value).strip() and "Traceback" not in str(refused.value)
    assert fingerprint(warehouse) == before
    assert not list(OUT.parent.glob(OUT.name + "*"))


ANY_TOKEN = sorted({t for ts in READ_TOKENS + WRITE_TOKENS for t in ts} - {LIT})


@HYPOTHESIS
@given(st.lists(st.one_of(st.sampled_from(ANY_TOKEN), LITERAL, GAP, st.sampled_from(HOSTILE)), max_size=14))
def test_no_text_gets_a_write_past_the_guard(warehouse: Path, parts: list[str]) -> None:
    # whatever the text, it is answered, refused, or a SQL error; never a write that only the
    # read-only connection stopped (that error would mean the guard let it through)
    before = fingerprint(warehouse)
    try:
        run_query(warehouse, " ".join(parts), busy_timeout=1)
    except (QueryRefused, QueryInvalid):
        pass
    except duckdb.Error as exc:
        assert "read-only mode" not in str(exc)
    assert fingerprint(warehouse) == before
    assert not list(OUT.parent.glob(OUT.name + "*"))


def test_what_a_nested_comment_really_hides_is_decided_by_duckdb(warehouse: Path) -> None:
    # found by hypothesis: the nested comment ends at the last `*/`, so only the VALUES after it runs
    statement = (
        "/* /* */ explain explain analyze select '/*' -- */ explain analyze insert into runs "
        "( started_at , status , start_url ) --*/\n values ( now ( ) , 'ok' , '' )"
    )
    before = fingerprint(warehouse)
    columns, rows = run_query(warehouse, statement, busy_timeout=1)
    assert len(columns) == 3 and rows[0][1:] == ("ok", "")
    assert fingerprint(warehouse) == before


# --- the public interface, described in DuckDB's catalogue (migration 010) ---


def test_every_view_is_described_and_the_listing_holds_the_described(tmp_path: Path) -> None:
    db = tmp_path / "fresh.duckdb"
    connect(db).close()
    with duckdb.connect(str(db), read_only=True) as con:
        undescribed = con.execute("select view_name from duckdb_views() where not internal and comment is null")
        assert undescribed.fetchall() == []  # a view added (or replaced) without its comment
        described = con.execute("select table_name from duckdb_tables() where comment is not null").fetchall()
        tables = {t for (t,) in described}
    columns, rows = run_query(db, sql_file("public_objects.sql"), busy_timeout=1)
    assert columns == ["name", "kind", "description"]
    listed = {name: kind for name, kind, _ in rows}
    assert {n for n, k in listed.items() if k == "table"} == tables
    assert tables == {"cluster_links", "alert_log", "alert_runs", "alert_deliveries"}  # base tables stay private
    assert listed["clusters_as_of(ts)"] == "table macro" and "cluster_id_of(country_key, name_key)" not in listed
    assert all(description for _, _, description in rows)


def test_a_script_is_cut_where_duckdbs_parser_cuts_it() -> None:
    script = "-- head; not an end\nselect 1;\n\n/* ; */ select 'a;b' as x,\n  $$c;d$$ as y;\nselect 3"
    cut = split_script(script)
    assert [p.line for p in cut.parts] == [2, 4, 6] and cut.broken is None and cut.several
    assert [p.text.strip() for p in cut.parts] == [
        "-- head; not an end\nselect 1;",
        "/* ; */ select 'a;b' as x,\n  $$c;d$$ as y;",
        "select 3",
    ]
    # run after the script's lines before it, so that DuckDB's LINE N is the script's
    assert [p.placed.count("\n") for p in cut.parts] == [1, 4, 5]
    assert not split_script("select 1; -- only a comment after").several
    assert split_script("").parts == split_script("-- nothing\n").parts == []


def test_a_script_that_does_not_parse_keeps_the_statements_before_the_broken_one() -> None:
    cut = split_script("select 1;\nselect 2;\n\nselec 3;\nselect 4;")
    assert [p.text.strip() for p in cut.parts] == ["select 1;", "select 2;"]
    assert cut.broken is not None and cut.broken.line == 4 and cut.broken.text.strip().startswith("selec 3;")
    assert cut.error.startswith("Parser Error") and "LINE 4:" in cut.error and cut.several
    alone = split_script("selec 1")
    assert alone.parts == [] and alone.broken is not None and not alone.several
    first = split_script("selec 1; select 2")
    assert first.parts == [] and first.several  # a message names statement 1 of them


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["select 1", "select ';'", "from t", "-- c;\nselect 2", "values (1)"]), max_size=6))
def test_the_statements_of_a_script_are_the_ones_it_was_made_of(statements: list[str]) -> None:
    cut = split_script(";\n".join(statements))
    assert [p.text.strip().rstrip(";") for p in cut.parts] == statements and cut.broken is None
