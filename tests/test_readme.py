"""The README's examples, run for real on the demo warehouse built by `ecei demo build`.

Every query of the SQL cookbook runs through `ecei sql` and must answer at least one row. Every
`ecei ...` line of the README's sh blocks runs as written, through the shell, in a folder of its
own holding a copy of the demo warehouse as ./ecei.duckdb (the default --db), where `.venv/bin/ecei`
and `ecei` both name this environment's command; the lines of one block run in order, in one
folder, each by bash (as a person's shell would: Ctrl-C ends the command, and its exit code is
the job's). Each must exit as its trailing comment says (`exit N`; 0 when it says nothing) and answer
something: output, or the file its `>` writes. Two comments change how a line runs:

- `# live ...` (the live site, a real alert channel, a deployment): needs the network, not run
  here; each such line is listed as a skipped test, with its README line;
- `# until Ctrl-C ...`: it serves until interrupted, so it runs in the background while the rest
  of its block runs, then gets Ctrl-C (SIGINT) and must end as documented.

The test lists no command: a command added to the README is run here as soon as it is written.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.contract import clean_text
from tests.cli.helpers import ECEI, ecei
from tests.conftest import expected_rows
from tests.ecei.oracle import named
from warehouse.query import run_query

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
# a line that needs the live site but is not marked so must fail here, never reach the site
UNREACHABLE = "http://127.0.0.1:9/benchmarked-clusters"


@dataclass(frozen=True)
class Line:
    number: int  # in the README
    command: str  # as the shell runs it, without its comment
    comment: str

    @property
    def expected(self) -> int:
        found = re.search(r"\bexits? (\d+)\b", self.comment)
        return int(found.group(1)) if found else 0

    @property
    def live(self) -> bool:
        return self.comment.lower().startswith("live")

    @property
    def background(self) -> bool:
        return self.comment.lower().startswith("until ctrl-c")

    def writes(self) -> str | None:
        """The file the line's `>` sends its output to, if any."""
        tokens = list(shlex.shlex(self.command, posix=True, punctuation_chars=True))
        return tokens[tokens.index(">") + 1] if ">" in tokens else None


@dataclass(frozen=True)
class Block:
    number: int  # the README line of its opening fence
    lines: tuple[Line, ...]


def split_comment(line: str) -> tuple[str, str]:
    """The command and its trailing comment: the first # that starts a word outside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].strip(), line[i + 1 :].strip()
    return line.strip(), ""


def is_ecei(command: str) -> bool:
    """True for a line that runs `ecei` (perhaps as .venv/bin/ecei, after VAR=value assignments)."""
    words = shlex.split(command) if command else []
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0], re.S):
        words.pop(0)
    return bool(words) and Path(words[0]).name == "ecei"


def sh_blocks(text: str) -> list[Block]:
    blocks, current, start = [], None, 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if current is None:
            if raw.strip() == "```sh":
                current, start = [], number
            continue
        if raw.strip() == "```":
            if current:
                blocks.append(Block(start, tuple(current)))
            current = None
            continue
        command, comment = split_comment(raw)
        if is_ecei(command):
            current.append(Line(number, command, comment))
    return blocks


def cookbook(text: str) -> dict[str, str]:
    section = text.split("\n## SQL cookbook\n", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"^### (.+?)\n(?:(?!^### ).)*?```sql\n(.*?)```", section, re.S | re.M)
    recipes = dict(found)
    assert len(recipes) == len(found), "two recipes share a title"
    return recipes


BLOCKS = sh_blocks(TEXT)
RECIPES = cookbook(TEXT)
LIVE = [line for block in BLOCKS for line in block.lines if line.live]


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse, built once by the real command."""
    db = tmp_path_factory.mktemp("readme") / "ecei.duckdb"
    done = ecei("demo", "build", "--db", str(db))
    assert done.returncode == 0, done.stderr
    return db


def test_the_readme_has_examples_to_run() -> None:
    runnable = [line for block in BLOCKS for line in block.lines if not line.live]
    assert len(RECIPES) >= 10 and len(runnable) >= 20
    assert all("```" not in sql and sql.strip().endswith(";") for sql in RECIPES.values())
    # a command continued on the next line would be run cut short
    assert not [line.number for block in BLOCKS for line in block.lines if line.command.endswith("\\")]


@pytest.mark.parametrize("title", sorted(RECIPES))
def test_cookbook_query_answers_on_the_demo(demo_warehouse: Path, title: str) -> None:
    done = ecei("sql", "--db", str(demo_warehouse), "--format", "json", RECIPES[title])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout), f"{title!r} found nothing on the demo warehouse"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECEI_")}
    env["PATH"] = f"{Path(ECEI).parent}{os.pathsep}{env.get('PATH', '')}"
    env["ECEI_START_URL"] = UNREACHABLE
    env["COLUMNS"] = "160"
    return env


def _answer(line: Line, folder: Path, output: str) -> str:
    target = line.writes()
    if target is not None:
        written = folder / target
        assert written.is_file(), f"README line {line.number} wrote no {target}"
        output += written.read_text(errors="replace")
    return output


def _start(line: Line, folder: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path, Path]:
    out, err = folder / f".line-{line.number}.out", folder / f".line-{line.number}.err"
    with out.open("wb") as o, err.open("wb") as e:
        # a session of its own: Ctrl-C reaches the whole job, the shell and what it runs, as on a terminal
        child = subprocess.Popen(
            ["bash", "-c", line.command], cwd=folder, env=env, stdout=o, stderr=e, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while not out.read_text().strip() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)  # serving: it says where once it listens
    assert child.poll() is None, f"README line {line.number} ended at once: {err.read_text()}"
    assert out.read_text().strip(), f"README line {line.number} said nothing in 60 s"
    return child, out, err


def _stop(line: Line, child: subprocess.Popen[bytes], out: Path, err: Path) -> None:
    os.killpg(child.pid, signal.SIGINT)  # Ctrl-C
    try:
        code = child.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        raise AssertionError(f"README line {line.number} did not stop on Ctrl-C") from None
    assert code == line.expected, f"README line {line.number}: exit {code}\n{err.read_text()}"


@pytest.mark.parametrize(
    "block", [b for b in BLOCKS if not all(line.live for line in b.lines)], ids=lambda b: f"line{b.number}"
)
def test_sh_block_runs_as_documented(demo_warehouse: Path, tmp_path: Path, block: Block) -> None:
    shutil.copyfile(demo_warehouse, tmp_path / "ecei.duckdb")
    shutil.copytree(README.parent / "examples", tmp_path / "examples")  # the example files the README names
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "ecei").symlink_to(ECEI)
    env = _env()
    serving = []
    try:
        for line in block.lines:
            if line.live:
                continue
            if line.background:
                serving.append((line, *_start(line, tmp_path, env)))
                continue
            done = subprocess.run(
                ["bash", "-c", line.command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
            )
            said = f"README line {line.number}: {line.command}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
            assert done.returncode == line.expected, said
            assert _answer(line, tmp_path, done.stdout + done.stderr).strip(), said
    finally:
        for line, child, out, err in serving:
            _stop(line, child, out, err)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(line, marks=pytest.mark.skip(reason=f"README line {line.number} ({line.comment}): {line.command}"))
        for line in LIVE
    ],
    ids=lambda line: f"line{line.number}",
)
def test_live_line_needs_the_network(line: Line) -> None:
    raise AssertionError("not run: it needs the network")


# What some recipes find on the demo, against the mirror's own rows (expected.json) and the runs.


def recipe(db: Path, title: str) -> list[tuple]:
    return run_query(db, RECIPES[title], busy_timeout=5)[1]


def test_renewals_span_the_years_of_the_demo(demo_warehouse: Path) -> None:
    rows = recipe(demo_warehouse, "Renewals per year")
    assert [year for year, *_ in rows] == [2018, 2021]


def test_clusters_no_longer_listed_are_those_the_last_snapshot_lost(demo_warehouse: Path) -> None:
    rows = recipe(demo_warehouse, "Clusters no longer listed")
    renamed = {("Norway", "NCE Seafood Innovation Cluster")}  # listed on under its new name
    assert {(r[1], r[2]) for r in rows} == named("2018-10") - named("2021-09") - renamed


def test_the_list_on_a_day_is_the_snapshot_of_then(demo_warehouse: Path) -> None:
    rows = recipe(demo_warehouse, "The list as it stood on a day")  # 2019-01-01: the 2018-10 snapshot
    assert Counter((r[0], r[1]) for r in rows) == Counter(named("2018-10"))


def test_labels_lapsing_within_90_days_of_the_last_snapshot(demo_warehouse: Path) -> None:
    rows = recipe(demo_warehouse, "Labels lapsing within 90 days of the latest refresh, soonest first")
    day = "2021/09/15"  # the last snapshot's day; 89 days on is 2021/12/13
    expected = sorted(
        (r["valid_until"], clean_text(r["name"]))
        for r in expected_rows("2021-09")
        if clean_text(r["name"]) and day <= r["valid_until"] <= "2021/12/13"
    )
    assert [(str(r[0]).replace("-", "/"), r[3]) for r in rows] == expected


def _commands() -> list[str]:
    """Every command `ecei --help` knows, a group's as `group sub`."""
    from typer.core import TyperGroup

    from ecei.cli import COMMANDS

    names = []
    for name, lazy in COMMANDS.items():
        loaded = lazy.load(name)
        names += [f"{name} {sub}" for sub in loaded.commands] if isinstance(loaded, TyperGroup) else [name]
    return names


def test_the_command_table_lists_every_command() -> None:
    section = TEXT.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `ecei ([^`]*)`", section, re.M)
    missing = [c for c in _commands() if not any(row == c or row.startswith(c + " ") for row in rows)]
    assert not missing, f"the README's Commands table has no row for: {missing}"
    assert any(row == "--version" for row in rows)
