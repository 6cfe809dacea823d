"""`ecei changes` as a user runs it: each format read back, the refusals, a busy warehouse."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.cli.helpers import CONTROLS, HOSTILE_NAME, ecei
from tests.ecei.changes_history import build
from tests.ecei.processes import held_for_writing

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("changes-cli") / "ecei.duckdb")


def test_table_names_both_points_and_each_change(db: Path) -> None:
    done = ecei("changes", "--since", "2020-01-11", "--until", "run:3", "--db", str(db), wide=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "7 clusters changed between 2020-01-11 (2020-01-10T23:59:59Z) and run:3 (2021-01-10T05:00:00Z): "
        "2 added, 3 changed, 1 removed, 1 renamed (1 renewed)"
    )
    assert "valid_until: 2020-09-01 -> 2023-09-01 (renewed)" in done.stdout
    renamed = next(i for i, line in enumerate(lines) if "name: Fjord Fish -> Fjord Seafood Cluster" in line)
    assert "portfolio: Food industry -> Blue economy" in lines[renamed + 1]  # a field a line
    assert "no longer listed (was Health, label valid until 2021-03-01)" in done.stdout
    assert "2020-06-10T05:00:00Z" in done.stdout  # Bergen Bio, changed by the partial run
    assert not any(c in done.stdout for c in CONTROLS)  # the hostile name's controls are shown, not obeyed


def test_json_keeps_the_structure_and_the_values(db: Path) -> None:
    done = ecei("changes", "--since", "run:1", "--format", "JSON", "--db", str(db))
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["since"] == {"given": "run:1", "at": "2020-01-10T05:00:00Z"}
    assert document["until"]["given"] is None and STAMP.match(document["until"]["at"])
    assert document["counts"] == {"added": 2, "changed": 3, "removed": 1, "renamed": 1, "renewed": 1}
    found = {c["name"]: c for c in document["changes"]}
    renamed = found["Fjord Seafood Cluster"]
    assert renamed["change"] == "renamed" and renamed["changed_fields"] == ["name", "portfolio"]
    assert (renamed["before"]["name"], renamed["after"]["name"]) == ("Fjord Fish", "Fjord Seafood Cluster")
    assert renamed["changed_at"] == "2021-01-10T05:00:00Z"
    assert found["Coast Care"]["after"] is None and found["Coast Care"]["before"]["valid_until"] == "2021-03-01"
    assert found[HOSTILE_NAME]["before"] is None  # the value itself, its controls escaped in the JSON text
    assert not any(c in done.stdout for c in CONTROLS)
    assert "7 clusters changed" in done.stderr  # stdout holds the document and nothing else


def test_csv_one_row_per_cluster_with_before_and_after(db: Path, tmp_path: Path) -> None:
    done = ecei("changes", "--since", "run:1", "--until", "run:3", "--format", "csv", "--db", str(db))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 7
    alpha = next(r for r in rows if r["name"] == "Arena Alpha")
    assert alpha["change"] == "changed" and alpha["renewed"] == "true"
    assert json.loads(alpha["changed_fields"]) == ["valid_until"]  # a list stays a list: JSON
    assert (alpha["old_valid_until"], alpha["new_valid_until"]) == ("2020-09-01", "2023-09-01")
    assert alpha["changed_at"] == alpha["until_at"] == "2021-01-10T05:00:00Z"
    assert alpha["since_at"] == "2020-01-10T05:00:00Z"
    assert not any(c in done.stdout for c in CONTROLS)  # a terminal shows them

    written = tmp_path / "out" / "changes.csv"  # the suffix chooses the format
    done = ecei("changes", "--since", "run:1", "--until", "run:3", "--out", str(written), "--db", str(db))
    assert done.returncode == 0, done.stderr and done.stdout == ""
    with written.open(newline="", encoding="utf-8") as f:
        in_file = list(csv.DictReader(f))
    assert HOSTILE_NAME in {r["name"] for r in in_file}  # a file keeps the value as it is
    assert f"wrote {written}" in done.stderr


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_one_page_with_no_external_resource_and_every_name_escaped(db: Path, tmp_path: Path) -> None:
    page = tmp_path / "changes.html"
    done = ecei("changes", "--since", "run:1", "--format", "Html", "--out", str(page), "--db", str(db))
    assert done.returncode == 0, done.stderr
    html = page.read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(html)
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & {"script", "img", "link", "iframe", "object", "embed", "base", "a"}
    assert not [attrs for _, attrs in parsed.tags if {"src", "href", "srcset", "action"} & set(attrs)]
    assert "url(" not in html and "@import" not in html
    csp = next(a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and csp.startswith("default-src 'none'")
    text = "".join(parsed.text)
    assert "<img src=x>" in text  # the hostile name, as text
    assert not any(c in html for c in CONTROLS)
    assert "2020-01-10T05:00:00Z" in text and "Fjord Seafood Cluster" in text
    assert "Fjord Fish" in text and "Blue economy" in text


def test_html_to_stdout(db: Path) -> None:
    done = ecei("changes", "--since", "run:2", "--until", "run:3", "--format", "html", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("<!DOCTYPE html>") and "Removed (1)" in done.stdout


def test_no_changes_is_said_and_exits_0(db: Path) -> None:
    done = ecei("changes", "--since", "run:3", "--until", "2021-01-10", "--db", str(db), wide=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "no changes between run:3 (2021-01-10T05:00:00Z) and 2021-01-10 (2021-01-10T23:59:59Z)"
    )


def test_country(db: Path) -> None:
    done = ecei("changes", "--since", "run:1", "--country", "SWEDEN", "--format", "json", "--db", str(db))
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert [c["name"] for c in document["changes"]] == ["Malmo Maritime"]
    assert document["countries"] == ["Sweden"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--since", "run:3", "--until", "run:1"], "refused: --until run:1 (2020-01-10T05:00:00Z) is before --since"),
        (["--since", "run:1", "--country", "Narnia"], "known countries: Norway, Sweden"),
        (["--since", "run:9"], "no run 9: runs are 1 to 3"),
        (["--since", "last tuesday"], "usage error: Invalid value for --since: not a point in time"),
        (["--since", "run:1", "--format", "xml"], "usage error: Invalid value for --format: choose table, csv"),
        (["--until", "run:1"], "usage error: Missing option '--since'"),
    ],
)
def test_refusals_and_usage_errors_exit_2(db: Path, args: list[str], said: str) -> None:
    done = ecei("changes", *args, "--db", str(db))
    assert done.returncode == 2, done.stderr
    assert said in done.stderr and "Traceback" not in done.stderr


def test_a_missing_warehouse_exits_2(tmp_path: Path) -> None:
    done = ecei("changes", "--since", "2020-01-01", "--db", str(tmp_path / "none.duckdb"))
    assert done.returncode == 2 and "no warehouse at" in done.stderr


def test_busy_while_another_process_writes(db: Path) -> None:
    with held_for_writing(db):
        done = ecei(
            "changes", "--live", "--since", "run:1", "--db", str(db), env={**os.environ, "ECEI_BUSY_TIMEOUT": "0.5"}
        )
    assert done.returncode == 4, done.stderr
    assert done.stderr.startswith("busy: the warehouse") and "Traceback" not in done.stderr


def test_a_year_is_a_year_from_its_first_day_to_its_last(dated_db: Path) -> None:
    years = ecei("changes", "--since", "2017", "--until", "2020", "--format", "json", "--db", str(dated_db))
    days = ecei("changes", "--since", "2017-01-01", "--until", "2020-12-31", "--format", "json", "--db", str(dated_db))
    assert years.returncode == days.returncode == 0, years.stderr
    found, expected = json.loads(years.stdout), json.loads(days.stdout)
    assert found["changes"] == expected["changes"] != []  # the 2018 run's changes, not "no run 2017"
    months = ecei("changes", "--since", "2018-10", "--until", "2018-10", "--format", "json", "--db", str(dated_db))
    assert json.loads(months.stdout)["changes"] == expected["changes"]  # October 2018 holds that run


def test_a_bare_number_says_how_to_name_a_run(db: Path) -> None:
    done = ecei("changes", "--since", "2", "--db", str(db))
    assert done.returncode == 2
    assert "a bare number is a year (run:2 names a run)" in done.stderr
