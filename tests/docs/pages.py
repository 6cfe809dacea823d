"""The examples of the README and of every page of the manual (docs/), and how they are run.

Every `sql` block is a query that runs through `ecei sql` on the demo warehouse built by `ecei demo
build` and must answer at least one row. Every `ecei ...` line of an `sh` block runs as written,
through the shell, in a folder of its own holding a copy of the demo warehouse as ./ecei.duckdb (the
default --db) and the examples/ folder, where `.venv/bin/ecei` and `ecei` both name this
environment's command; the lines of one block run in order, in one folder, each by bash (as a
person's shell would: Ctrl-C ends the command, and its exit code is the job's). Each must exit as
its trailing comment says (`exit N`; 0 when it says nothing) and answer something: output, or the
file its `>` writes. Two comments change how a line runs:

- `# live ...` (the live site, a real alert channel, a deployment): needs the network, not run
  here; each such line is listed as a skipped test, with its page and line;
- `# until Ctrl-C ...`: it serves until interrupted, so it runs in the background while the rest
  of its block runs, then gets Ctrl-C (SIGINT) and must end as documented.

No test lists a command: a command added to a page is run as soon as it is written. The pages are
split into groups, one test file each (tests/docs/test_<group>.py), so that xdist spreads them.
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
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.helpers import ECEI, ecei

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
# a line that needs the live site but is not marked so must fail here, never reach the site
UNREACHABLE = "http://127.0.0.1:9/benchmarked-clusters"


def every_page() -> list[Path]:
    """README.md and every page of the manual (the hook's Python is no page)."""
    return [README, *sorted(p for p in DOCS.rglob("*.md") if "hooks" not in p.relative_to(DOCS).parts)]


def name(page: Path) -> str:
    """How tests name a page: `README.md`, `operator/refresh.md`."""
    return page.name if page == README else page.relative_to(DOCS).as_posix()


def group(*prefixes: str) -> list[Path]:
    """The pages whose name starts with one of `prefixes` (`operator/`, `README.md`)."""
    return [p for p in every_page() if name(p).startswith(prefixes)]


@dataclass(frozen=True)
class Line:
    page: str
    number: int  # in the page
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

    @property
    def where(self) -> str:
        return f"{self.page} line {self.number}"

    def writes(self) -> str | None:
        """The file the line's `>` sends its output to, if any."""
        tokens = list(shlex.shlex(self.command, posix=True, punctuation_chars=True))
        return tokens[tokens.index(">") + 1] if ">" in tokens else None


@dataclass(frozen=True)
class Block:
    page: str
    number: int  # the page line of its opening fence
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Query:
    page: str
    title: str  # the heading the query stands under
    number: int
    sql: str


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


def fences(page: Path, language: str) -> list[tuple[int, str, list[tuple[int, str]]]]:
    """Each ```language block of a page: its fence's line, the heading above it, its numbered lines."""
    found: list[tuple[int, str, list[tuple[int, str]]]] = []
    current: list[tuple[int, str]] | None = None
    inside, start, heading = False, 0, ""  # inside: any fenced block (a `#` there is no heading)
    for number, raw in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if not inside:
            if raw.startswith("#"):
                heading = raw.lstrip("#").strip()
            elif raw.strip().startswith("```"):
                inside = True
                current, start = ([], number) if raw.strip() == f"```{language}" else (None, number)
            continue
        if raw.strip() == "```":
            if current is not None:
                found.append((start, heading, current))
            inside, current = False, None
        elif current is not None:
            current.append((number, raw))
    return found


def sh_blocks(page: Path) -> list[Block]:
    blocks = []
    for start, _, lines in fences(page, "sh"):
        runnable = []
        for number, raw in lines:
            command, comment = split_comment(raw)
            if is_ecei(command):
                runnable.append(Line(name(page), number, command, comment))
        if runnable:
            blocks.append(Block(name(page), start, tuple(runnable)))
    return blocks


def queries(page: Path) -> list[Query]:
    return [
        Query(name(page), heading, start, "\n".join(text for _, text in lines))
        for start, heading, lines in fences(page, "sql")
    ]


# --- what each test file parametrizes over ---

Example = Block | Query | Line  # a block of commands, a query, or a line that needs the network


def examples(pages: list[Path]) -> list[pytest.ParameterSet]:
    """Every example of `pages`, in page order; a `# live` line is a skipped one, named."""
    found: list[pytest.ParameterSet] = []
    for page in pages:
        for block in sh_blocks(page):
            if not all(line.live for line in block.lines):
                found.append(pytest.param(block, id=f"{block.page}:{block.number}"))
            found += [
                pytest.param(
                    line,
                    id=f"{line.page}:{line.number}",
                    marks=pytest.mark.skip(reason=f"{line.where} ({line.comment}): {line.command}"),
                )
                for line in block.lines
                if line.live
            ]
        found += [pytest.param(q, id=f"{q.page}:{q.number}") for q in queries(page)]
    return found


# --- running them ---


def demo_warehouse(folder: Path) -> Path:
    """The demo warehouse, built by the real command."""
    db = folder / "ecei.duckdb"
    done = ecei("demo", "build", "--db", str(db))
    assert done.returncode == 0, done.stderr
    return db


def answers(db: Path, query: Query) -> list[dict[str, object]]:
    done = ecei("sql", "--db", str(db), "--format", "json", query.sql)
    assert done.returncode == 0, f"{query.page} line {query.number} ({query.title}): {done.stderr}"
    return json.loads(done.stdout)


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
        assert written.is_file(), f"{line.where} wrote no {target}"
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
    assert child.poll() is None, f"{line.where} ended at once: {err.read_text()}"
    assert out.read_text().strip(), f"{line.where} said nothing in 60 s"
    return child, out, err


def _stop(line: Line, child: subprocess.Popen[bytes], out: Path, err: Path) -> None:
    os.killpg(child.pid, signal.SIGINT)  # Ctrl-C
    try:
        code = child.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        raise AssertionError(f"{line.where} did not stop on Ctrl-C") from None
    assert code == line.expected, f"{line.where}: exit {code}\n{err.read_text()}"


def run(demo: Path, folder: Path, example: Example) -> None:
    """Run one example as the page says it ends: a block in `folder`, a query on the demo itself."""
    if isinstance(example, Query):
        assert answers(demo, example), (
            f"{example.page} line {example.number} ({example.title}) found nothing on the demo"
        )
    elif isinstance(example, Block):
        run_block(demo, folder, example)
    else:
        raise AssertionError(f"{example.where} needs the network: it is not run here")


def run_block(demo: Path, folder: Path, block: Block) -> None:
    """Run the block's lines in order, in `folder`, as the page says they end."""
    shutil.copyfile(demo, folder / "ecei.duckdb")
    shutil.copytree(ROOT / "examples", folder / "examples")  # the example files the pages name
    (folder / ".venv" / "bin").mkdir(parents=True)
    (folder / ".venv" / "bin" / "ecei").symlink_to(ECEI)
    env = _env()
    serving = []
    try:
        for line in block.lines:
            if line.live:
                continue
            if line.background:
                serving.append((line, *_start(line, folder, env)))
                continue
            done = subprocess.run(
                ["bash", "-c", line.command], cwd=folder, env=env, capture_output=True, text=True, timeout=180
            )
            said = f"{line.where}: {line.command}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
            assert done.returncode == line.expected, said
            assert _answer(line, folder, done.stdout + done.stderr).strip(), said
    finally:
        for line, child, out, err in serving:
            _stop(line, child, out, err)
