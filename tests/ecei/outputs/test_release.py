"""Releases on a real warehouse built by staged runs at their own dates: the files, the data package
(validated by the frictionless library), CHANGES.md between two releases, SHA256SUMS (checked by
coreutils' sha256sum) and the refusals."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
from html import escape
from pathlib import Path

import duckdb
import frictionless
import pytest
from markdown_it import MarkdownIt

from ecei.outcome import Refused
from ecei.outputs.release import CHANGES, PACKAGE, SUMS, ReleaseExists, md, release
from ecei.settings import Settings
from tests.cli.helpers import HOSTILE_NAME
from tests.warehouse.staged_runs import merge, row
from warehouse.db import connect

NORWAY_ID = "9e0e2d07-b7a9-47ae-a816-cf7692205403"
RUN_1 = dt.datetime(2024, 3, 1, 5)
RUN_2 = dt.datetime(2024, 9, 2, 23, 30)  # late in the day: the release's day is the UTC day of the run
FISH_SITE = "http://www.fjord-fish.example/"


def norway(name: str, **values: str) -> dict[str, object]:
    return row(name, country_id=NORWAY_ID, **values)


ALPHA = norway("Arena Alpha", valid_until="2024-09-01", portfolio="ICT")
BERGEN = norway("Bergen Bio", valid_until="2026-01-01", portfolio="Life sciences")
COAST = norway("Coast Care", valid_until="2025-03-01", portfolio="Health")
FISH = norway("Fjord Fish", valid_until="2026-06-01", portfolio="Food industry", website=FISH_SITE)
SECOND_RUN = [
    {**ALPHA, "valid_until": "2027-09-01"},
    {**BERGEN, "portfolio": "Biotechnology"},
    norway("Fjord Seafood Cluster", valid_until="2026-06-01", portfolio="Food industry", website=FISH_SITE),
    norway(HOSTILE_NAME, valid_until="2027-05-05", portfolio="ICT"),
]


def run(db: Path, rows: list[dict[str, object]], at: dt.datetime) -> None:
    con = connect(db)
    try:
        merge(con, db.parent / "stages", rows, at)
    finally:
        con.close()


def count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        (n,) = con.execute(sql).fetchone()  # type: ignore[misc]
    return n


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def first(tmp_path: Path) -> tuple[Settings, Path]:
    """A warehouse after its first run, and the folder its releases go to."""
    db = tmp_path / "ecei.duckdb"
    run(db, [ALPHA, BERGEN, COAST, FISH], RUN_1)
    return Settings(db=db), tmp_path / "releases"


def test_a_release_is_a_dated_folder_of_every_file(first: tuple[Settings, Path]) -> None:
    settings, out = first
    result = release(settings, out)
    assert result.folder == out / "2024-03-01" and result.day == dt.date(2024, 3, 1)
    assert (result.run_id, result.observed_at, result.previous, result.changes) == (1, RUN_1, None, None)
    names = sorted(p.name for p in result.folder.iterdir())
    assert names == sorted(
        [
            "clusters_current.csv",
            "clusters_current.parquet",
            "cluster_history.csv",
            "cluster_history.parquet",
            PACKAGE,
            CHANGES,
            SUMS,
        ]
    )
    assert [p.name for p in out.iterdir()] == ["2024-03-01"]  # nothing half-built left beside it
    assert (
        "First release" in (result.folder / CHANGES).read_text()
        and "4 clusters listed" in (result.folder / CHANGES).read_text()
    )


def test_the_data_package_is_valid_and_its_data_match_their_schemas(first: tuple[Settings, Path]) -> None:
    settings, out = first
    run(Path(settings.db), SECOND_RUN, RUN_2)
    folder = release(settings, out).folder
    package = frictionless.Package(str(folder / PACKAGE))
    assert list(frictionless.Package.metadata_validate(package.to_descriptor())) == []
    assert package.version == "2024-09-02"
    for resource in package.resources:
        if resource.format == "parquet":
            continue  # frictionless reads Parquet only with its [parquet] extra: DuckDB checks them below
        report = resource.validate()
        assert report.valid, report.tasks[0].errors  # types, required, primary key, bytes, sha256
    descriptor = json.loads((folder / PACKAGE).read_text())
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert resources["clusters_current-csv"]["schema"]["primaryKey"] == ["cluster_id"]
    assert resources["cluster_history-csv"]["schema"]["primaryKey"] == ["cluster_id", "valid_from"]
    assert descriptor["observed_at"] == "2024-09-02T23:30:00Z" and descriptor["observed_run"] == 2
    for name in ("clusters_current", "cluster_history"):
        schema = resources[f"{name}-parquet"]["schema"]
        with duckdb.connect() as con:
            con.execute("set timezone = 'UTC'")
            described = con.execute("describe select * from read_parquet(?)", [str(folder / f"{name}.parquet")])
            columns = [(c[0], c[1]) for c in described.fetchall()]
        assert [c for c, _ in columns] == [f["name"] for f in schema["fields"]]
        expected = {"string": "VARCHAR", "date": "DATE", "datetime": "TIMESTAMP WITH TIME ZONE", "boolean": "BOOLEAN"}
        for (column, kind), field in zip(columns, schema["fields"], strict=True):
            if field["type"] == "integer":
                assert kind in ("BIGINT", "INTEGER"), column
            else:
                assert kind == expected[field["type"]], column


def test_the_files_hold_the_warehouse_rows_and_sha256sum_checks_them(first: tuple[Settings, Path]) -> None:
    settings, out = first
    run(Path(settings.db), SECOND_RUN, RUN_2)
    folder = release(settings, out).folder
    checked = subprocess.run(["sha256sum", "-c", SUMS], cwd=folder, capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert sorted(checked.stdout.splitlines()) == sorted(f"{p.name}: OK" for p in folder.iterdir() if p.name != SUMS)
    db = Path(settings.db)
    current, history = csv_rows(folder / "clusters_current.csv"), csv_rows(folder / "cluster_history.csv")
    assert len(current) == count(db, "select count(*) from clusters_current") == 4
    assert len(history) == count(db, "select count(*) from cluster_history") == 8  # 4 first versions, 4 new
    # a hostile name is data: CSV quoting keeps it whole, byte for byte
    assert HOSTILE_NAME in {r["name"] for r in current}
    assert {r["valid_from"] for r in current} >= {"2024-09-02T23:30:00Z"}
    with duckdb.connect() as con:
        con.execute("set timezone = 'UTC'")
        (at,) = con.execute(
            "select max(valid_from) from read_parquet(?)", [str(folder / "cluster_history.parquet")]
        ).fetchone()  # type: ignore[misc]
    assert at == dt.datetime(2024, 9, 2, 23, 30, tzinfo=dt.UTC)


def test_a_second_release_lists_the_changes_since_the_first(first: tuple[Settings, Path]) -> None:
    settings, out = first
    release(settings, out)
    run(Path(settings.db), SECOND_RUN, RUN_2)
    result = release(settings, out)
    assert result.previous is not None and (result.previous.day, result.previous.at) == ("2024-03-01", RUN_1)
    assert result.changes is not None
    assert result.changes.counts() == {"added": 1, "changed": 2, "removed": 1, "renamed": 1, "renewed": 1}
    text = (result.folder / CHANGES).read_text()
    items = [line for line in text.splitlines() if line.startswith("- ")]
    assert [line.split(" (Norway")[0] for line in items] == [
        f"- {md(HOSTILE_NAME)}",
        "- Arena Alpha",
        "- Bergen Bio",
        "- Coast Care",
        "- Fjord Fish → Fjord Seafood Cluster",
    ]
    assert "`valid_until`: 2024-09-01 → 2027-09-01 (renewed)" in items[1]
    assert "`portfolio`: Life sciences → Biotechnology" in items[2]
    assert "no longer listed (was Health, label valid until 2025-03-01)" in items[3]
    assert "Since release 2024-03-01 (the list at 2024-03-01T05:00:00Z), 5 clusters changed" in text
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## Added (1)",
        "## Changed (2)",
        "## Removed (1)",
        "## Renamed (1)",
    ]


def test_a_hostile_name_in_changes_is_text_not_markup(first: tuple[Settings, Path]) -> None:
    settings, out = first
    release(settings, out)
    run(Path(settings.db), SECOND_RUN, RUN_2)
    text = (release(settings, out).folder / CHANGES).read_text()
    html = MarkdownIt("commonmark").render(text)
    assert "<a " not in html and "<img" not in html and "<em>" not in html
    assert html.count("<h1>") == 1 and "<script" not in html
    assert not any(c in text for c in "\x1b\x07\x9b\u202e")  # controls are written as \uNNNN escapes
    # what a reader sees is the name, its controls spelled out
    assert "Arena \\u001b[31mEyde" in html and "evil](javascript:alert(1)) *em* # h | &lt;img src=x&gt;" in html


def test_an_existing_release_is_refused_unless_replaced(first: tuple[Settings, Path]) -> None:
    settings, out = first
    folder = release(settings, out).folder
    before = (folder / SUMS).read_text()
    (folder / "note.txt").write_text("kept")
    with pytest.raises(ReleaseExists, match="--force"):
        release(settings, out)
    assert (folder / "note.txt").exists() and (folder / SUMS).read_text() == before
    assert [p.name for p in out.iterdir()] == ["2024-03-01"]
    replaced = release(settings, out, replace=True)
    assert replaced.replaced and not (folder / "note.txt").exists()
    assert [p.name for p in out.iterdir()] == ["2024-03-01"]


def test_the_day_given_names_the_folder_and_judges_the_labels(first: tuple[Settings, Path]) -> None:
    settings, out = first
    result = release(settings, out, today=dt.date(2025, 1, 1))
    assert result.folder == out / "2025-01-01"
    alpha = next(r for r in csv_rows(result.folder / "clusters_current.csv") if r["name"] == "Arena Alpha")
    assert (alpha["label_lapsed"], alpha["label_days_left"]) == ("true", "-122")
    with pytest.raises(Refused, match="before the release's observation"):
        release(settings, out, today=dt.date(2024, 2, 29))


def test_an_empty_warehouse_has_nothing_to_release(tmp_path: Path) -> None:
    connect(tmp_path / "ecei.duckdb").close()
    with pytest.raises(Refused, match="nothing to release"):
        release(Settings(db=tmp_path / "ecei.duckdb"), tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_markdown_escapes_every_mark_and_control() -> None:
    assert (
        md("a*b_c [x](y) <b> # 1. - | ~ `!` &amp;") == "a\\*b\\_c \\[x\\](y) \\<b\\> # 1. - \\| \\~ \\`\\!\\` \\&amp;"
    )
    # what would start a list, a heading or a quote where the value starts a line's text
    assert [md(s) for s in ("- x", "# x", "+ x", "12. x", "3) x", "> x")] == [
        "\\- x",
        "\\# x",
        "\\+ x",
        "12\\. x",
        "3\\) x",
        "\\> x",
    ]
    assert md("line\nbreak\u202e") == "line\\\\u000abreak\\\\u202e"
    assert (md(None), md(dt.date(2024, 1, 2)), md(dt.datetime(2024, 1, 2, 3, 4, 5))) == (
        "none",
        "2024-01-02",
        "2024-01-02T03:04:05Z",
    )


def test_markdown_renders_what_it_escapes_as_the_text_itself() -> None:
    names = ["- x", "# x", "12. x", "> x", "a*b*c", "[x](javascript:y)", "<img src=x>", "`code`", "OGH - Olje- og"]
    for name in names:
        html = MarkdownIt("commonmark").render(f"- {md(name)} (Norway)")
        assert html == f"<ul>\n<li>{escape(name)} (Norway)</li>\n</ul>\n", name


def test_a_previous_folder_that_is_no_release_is_refused_and_nothing_is_written(first: tuple[Settings, Path]) -> None:
    settings, out = first
    (out / "2024-01-15").mkdir(parents=True)
    (out / "2024-01-15" / PACKAGE).write_text('{"name": "someone else\'s"}')
    with pytest.raises(Refused, match="no ecei release"):
        release(settings, out)
    assert [p.name for p in out.iterdir()] == ["2024-01-15"]  # no release, nothing half-built
    (out / "2024-01-15" / PACKAGE).unlink()  # a folder without a package is not a release: passed over
    assert release(settings, out).previous is None
