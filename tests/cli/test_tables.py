"""Every terminal table fits the terminal (ecei.cli.tables): at 60, 80 and 120 columns, through a pipe
with COLUMNS and on a real pseudo-terminal, as a table where one fits and as records where none can."""

from __future__ import annotations

import fcntl
import io
import itertools
import json
import os
import re
import select
import struct
import subprocess
import termios
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from ecei.cli.tables import _share, _Span, print_table
from tests.cli.helpers import ECEI, ecei

WIDTHS = (60, 80, 120)
README_EXAMPLE = ("history", "Seafood Innovation Cluster")  # the README's tour, and the manual's start page
# what a terminal is told besides the text: colours, cursor moves
ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07|[=>])")


def at(width: int, *args: str) -> subprocess.CompletedProcess[str]:
    return ecei(*args, env={**os.environ, "COLUMNS": str(width)})


def spelled_down(lines: list[str]) -> list[str]:
    """Lines of a table where a column shows one letter of a word, and the line beneath the next one."""
    cells = [re.split("[│┃]", line)[1:-1] for line in lines]
    return [
        lines[n]
        for n, (this, below) in enumerate(itertools.pairwise(cells))
        if len(this) == len(below)
        and any(
            len(a.strip()) == len(b.strip()) == 1 and (a + b).strip().isalpha()
            for a, b in zip(this, below, strict=True)
        )
    ]


def unfit(shown: str, width: int, headers: list[str]) -> list[str]:
    """What makes `shown` unreadable at `width`: a line wider than it, a header not shown whole, a word
    spelled one letter a line."""
    lines = shown.splitlines()
    wider = [line for line in lines if cell_len(line) > width]
    found = [f"{len(wider)} lines wider than {width}, the first: {wider[0]!r}"] if wider else []
    words = [word for header in headers for word in header.split()]  # a header may wrap, at its spaces
    found += [f"header {w!r} not whole" for w in words if not re.search(rf"(?<!\w){re.escape(w)}(?!\w)", shown)]
    spelled = spelled_down(lines)
    return found + ([f"{len(spelled)} lines spell a word down: {spelled[0]!r}"] if spelled else [])


def records(shown: str) -> list[dict[str, str]]:
    """The blocks of the expanded layout, each `header: value`, a wrapped value's lines joined."""
    found: list[dict[str, str]] = []
    label = ""
    for line in shown.splitlines():
        if line.startswith("-[ "):
            found.append({})
        elif found and (" | " in line or line.endswith(" |")):
            left, _, value = line.partition(" |")
            label = left.strip() or label
            value = value.removeprefix(" ")
            found[-1][label] = f"{found[-1][label]} {value}".strip() if label in found[-1] else value
    return found


def whole(text: str) -> str:
    """A value as compared: where it was folded or wrapped does not matter, its characters do."""
    return "".join(text.split())


def rows(shown: str) -> list[dict[str, str]]:
    """The rows of a table printed one line a row (`--wide`), each `header: value`."""
    lines = shown.splitlines()
    (head,) = [line for line in lines if line.startswith("┃")]
    headers = [h.strip() for h in head.split("┃")[1:-1]]
    return [
        dict(zip(headers, (c.strip() for c in line.split("│")[1:-1]), strict=True))
        for line in lines
        if line.startswith("│")
    ]


def test_history_fits_60_80_and_120_columns(dated_db: Path) -> None:
    headers = ["#", "from", "to", "label", "portfolio", "what changed"]
    for width in WIDTHS:
        done = at(width, *README_EXAMPLE, "--db", str(dated_db))
        assert done.returncode == 0, done.stderr
        assert unfit(done.stdout, width, headers) == [], f"at {width} columns:\n{done.stdout}"
        assert ("┏" in done.stdout) is (width == 120), f"a table only where one fits:\n{done.stdout}"
        assert "…" not in done.stdout  # nothing is cut: a long word folds


def test_history_as_records_holds_every_value(dated_db: Path) -> None:
    document = json.loads(ecei(*README_EXAMPLE, "--json", "--db", str(dated_db)).stdout)
    (cluster,) = document["clusters"]
    for width in (60, 80):
        shown = at(width, *README_EXAMPLE, "--db", str(dated_db)).stdout
        assert shown.startswith("Seafood Innovation Cluster (Norway), cluster")  # the title, wrapped at 60
        blocks = records(shown)
        assert [b["#"] for b in blocks] == [str(v["version"]) for v in cluster["versions"]]
        for block, version in zip(blocks, cluster["versions"], strict=True):
            assert block["from"] == version["valid_from"]
            assert block["to"] == (version["valid_to"] or "current")
            assert block["label"] == version["label"]
            assert whole(block["portfolio"]) == whole(version["portfolio"])
        assert blocks[-1]["what changed"] == ("renamed (was NCE Seafood Innovation Cluster); renewed (was 2018-06-16)")


def test_changes_fit_60_80_and_120_columns(dated_db: Path) -> None:
    args = ("changes", "--since", "2018", "--db", str(dated_db))
    document = json.loads(ecei(*args, "--format", "json").stdout)
    for width in WIDTHS:
        done = at(width, *args)
        assert done.returncode == 0, done.stderr
        headers = ["change", "country", "name", "what changed", "at"]
        assert unfit(done.stdout, width, headers) == [], f"at {width} columns:\n{done.stdout}"
        assert "19 clusters changed between 2018" in " ".join(done.stdout.split())  # the heading, wrapped
    blocks = records(at(60, *args).stdout)
    assert [(b["name"], b["country"], b["at"]) for b in blocks] == [
        (c["name"], c["country"], c["changed_at"]) for c in document["changes"]
    ]


def test_status_fits_60_80_and_120_columns(dated_db: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    env.pop("PREFECT_API_URL", None)
    for width in WIDTHS:
        done = ecei("status", "--db", str(dated_db), env={**env, "COLUMNS": str(width)})
        assert done.returncode in (0, 1), done.stderr
        lines = done.stdout.splitlines()
        assert unfit(done.stdout, width, []) == [], f"at {width} columns:\n{done.stdout}"
        titles = [line.split("  ")[0] for line in lines if not line.startswith(" ")]
        assert titles == ["warehouse", "last refresh", "data", "alerts", "schedules"]
        assert not [line for line in lines if line != line.rstrip()]  # no line padded to the width
        said = " ".join(done.stdout.split())  # a line wraps beside its title, every word kept
        assert "stale after 3 days without a complete refresh (ECEI_STALE_DAYS), counted to " in said


ALERT_HEADERS = ["kind", "name", "country", "portfolio", "label date", "days left", "note", "website", "state"]


def test_alerts_dry_run_fits_60_80_and_120_columns(dated_db: Path) -> None:
    args = ("alerts", "--dry-run", "--today", "2021-09-15", "--db", str(dated_db))
    for width in WIDTHS:
        done = at(width, *args)
        assert done.returncode == 0, done.stderr
        assert unfit(done.stdout, width, ALERT_HEADERS) == [], f"at {width} columns:\n{done.stdout}"
    wide = rows(at(80, *args, "--wide").stdout)
    assert len(wide) > 5
    for width in (60, 80):
        shown = records(at(width, *args).stdout)
        assert [{k: whole(v) for k, v in r.items()} for r in shown] == [
            {k: whole(v) for k, v in r.items()} for r in wide
        ]


def test_a_cut_value_is_marked_and_a_note_says_where_it_is_whole(dated_db: Path) -> None:
    done = at(120, "alerts", "--dry-run", "--today", "2021-09-15", "--db", str(dated_db))
    assert "┏" in done.stdout and "http://www.nce-" in done.stdout
    assert "http://www.nce-seafood-innovation-cluster.example/" not in done.stdout  # cut, and marked so
    assert "…" in done.stdout
    assert "note: … marks a value cut short to fit 120 columns; `--wide` shows every value whole" in done.stderr
    wide = at(120, "alerts", "--dry-run", "--today", "2021-09-15", "--db", str(dated_db), "--wide")
    assert "http://www.nce-seafood-innovation-cluster.example/" in wide.stdout and "note:" not in wide.stderr


def on_terminal(args: list[str], width: int) -> str:
    """What `ecei ARGS` shows on a pseudo-terminal `width` columns wide (no COLUMNS: the terminal's own)."""
    main, sub = os.openpty()
    fcntl.ioctl(sub, termios.TIOCSWINSZ, struct.pack("HHHH", 50, width, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen([ECEI, *args], stdin=sub, stdout=sub, stderr=subprocess.DEVNULL, env=env)
    os.close(sub)
    shown = b""
    try:
        while select.select([main], [], [], 120)[0]:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the process ended and closed its side
                break
            if not chunk:
                break
            shown += chunk
        assert process.wait(timeout=60) == 0
    finally:
        os.close(main)
    return ESCAPES.sub("", shown.decode("utf-8", "replace")).replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("args", "headers"),
    [
        (list(README_EXAMPLE), ["#", "from", "to", "label", "portfolio", "what changed"]),
        (["alerts", "--dry-run", "--today", "2021-09-15"], ALERT_HEADERS),
    ],
    ids=["history", "alerts"],
)
def test_a_real_80_column_terminal(dated_db: Path, args: list[str], headers: list[str]) -> None:
    shown = on_terminal([*args, "--db", str(dated_db)], 80)
    assert unfit(shown, 80, headers) == [], shown
    assert "-[ 1 ]" in shown and "-[ 3 ]" in shown  # as records: no table of them fits 80 columns


def test_a_pipe_with_no_columns_gets_a_line_an_alert(dated_db: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = ecei("alerts", "--dry-run", "--today", "2021-09-15", "--db", str(dated_db), env=env)
    assert rows(done.stdout) == rows(at(80, "alerts", "--dry-run", "--today", "2021-09-15", "--db", str(dated_db),
                                        "--wide").stdout)  # fmt: skip


def _printed(table: Table, width: int) -> str:
    buffer = io.StringIO()
    print_table(table, "`--json`", console=Console(file=buffer, width=width, color_system=None))
    return buffer.getvalue()


def test_a_header_keeps_its_word_and_a_number_its_digits() -> None:
    table = Table("identifier", "description", "population")
    table.add_row("an identifier written at length", "a long description of the row, to wrap somewhere", "1,234,567")
    shown = _printed(table, 41)  # just the floors: every header's word, the number, and the borders
    assert "┏" in shown and max(map(cell_len, shown.splitlines())) <= 41
    assert "identifier" in shown and "description" in shown and "population" in shown
    assert "1,234,567" in shown


def test_below_its_floors_a_table_becomes_records_and_keeps_every_value() -> None:
    table = Table("identifier", "description", "population", title="a long title that wraps at words")
    table.add_row("a", "a fairly long description", "1,234,567")
    table.add_row("b", "", "7")
    shown = _printed(table, 30)
    assert shown.splitlines()[:2] == ["a long title that wraps at", "words"]
    assert records(shown) == [
        {"identifier": "a", "description": "a fairly long description", "population": "1,234,567"},
        {"identifier": "b", "description": "", "population": "7"},
    ]
    assert max(map(cell_len, shown.splitlines())) <= 30


def test_records_of_a_table_whose_first_column_names_the_rows() -> None:
    table = Table("", "old name", "new name")
    table.add_row("name", "NCE Seafood Innovation Cluster", "Seafood Innovation Cluster")
    shown = _printed(table, 30)
    assert shown.splitlines()[0].startswith("-[ name ]")
    assert records(shown) == [{"old name": "NCE Seafood Innovation Cluster", "new name": "Seafood Innovation Cluster"}]


def test_records_of_a_grid_are_its_lines_beside_their_titles() -> None:
    grid = Table.grid(padding=(0, 2, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row("a title that is long", "x" * 40)
    shown = _printed(grid, 20)
    assert "-[" not in shown and max(map(cell_len, shown.splitlines())) <= 20
    sides = [line.partition(" |") for line in shown.splitlines()]
    assert whole("".join(left for left, _, _ in sides)) == whole("a title that is long")
    assert whole("".join(right for _, _, right in sides)) == "x" * 40


def test_a_word_cut_short_is_marked_and_said(capsys: pytest.CaptureFixture[str]) -> None:
    table = Table("name", "website")
    table.add_row("Arena", "http://www.a-very-long-address-of-a-cluster.example/")
    shown = _printed(table, 30)
    assert "…" in shown and max(map(cell_len, shown.splitlines())) <= 30
    assert "cut short to fit 30 columns; `--json` shows every value whole" in capsys.readouterr().err


@given(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 60)), min_size=1, max_size=9), st.integers(0, 200))
def test_shares_stay_between_floor_and_natural_within_the_room(given_spans: list[tuple[int, int]], spare: int) -> None:
    spans = [_Span(floor, floor + extra, floor) for floor, extra in given_spans]
    room = sum(s.floor for s in spans) + spare
    widths = _share(room, spans)
    assert sum(widths) <= room
    assert all(s.floor <= w <= s.natural for s, w in zip(spans, widths, strict=True))
    if sum(s.natural for s in spans) <= room:
        assert widths == [s.natural for s in spans]
    else:
        assert sum(widths) == room  # every cell of the room is used
