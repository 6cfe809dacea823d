"""The SQL shell as a person uses it: a real pseudo-terminal of a real width, and a session piped in."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.helpers import ECEI

# what a terminal is told besides the text: colours, bracketed paste, cursor moves
ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07|[=>])")


def _own_terminal() -> None:
    """In the child: a session of its own whose controlling terminal is the pty, so Ctrl-C is a SIGINT."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """`ecei ARGS` on the slave side of a pseudo-terminal WIDTH columns wide; we type on the master."""

    def __init__(self, args: list[str], width: int, env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, width, 0, 0))
        self.process = subprocess.Popen(
            [ECEI, *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True, preexec_fn=_own_terminal
        )
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 60) -> str:
        """Everything shown until `text` (escapes removed); fails with what was shown if it never comes."""
        self._wait_for(text, timeout)
        assert text in self.seen, f"never saw {text!r}; the terminal showed:\n{self.seen}"
        shown, self.seen = self.seen.split(text, 1)
        return shown + text

    def interrupt(self, then: str, tries: int = 3) -> str:
        """Ctrl-C until `then` shows.

        CPython's readline looks at signals only when its select() is interrupted
        (python/cpython#112585): a SIGINT that lands after the prompt is drawn but before
        select() is waiting is seen at the next key. On a loaded machine our Ctrl-C can land in
        that window, so, as a person would, we press it again if nothing happens.
        """
        for _ in range(tries - 1):
            self.type("\x03")
            if self._wait_for(then, 10):
                return self.expect(then)
        self.type("\x03")
        return self.expect(then)

    def _wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while text not in self.seen and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the process ended and closed its side
                    break
                self.seen += ESCAPES.sub("", chunk.decode("utf-8", "replace")).replace("\r\n", "\n")
        return text in self.seen

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> int:
        try:
            return self.process.wait(timeout=60)
        finally:
            os.close(self.master)


@pytest.fixture
def terminal(demo_db: Path, tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    """`ecei sql` alone on a 60-column terminal, its history kept under tmp_path."""
    # the width is the terminal's own (the window size), not an environment variable
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(XDG_STATE_HOME=str(tmp_path / "state"), TERM="xterm")
    shell = Terminal(["sql", "--db", str(demo_db)], 60, env)
    try:
        yield shell, tmp_path / "state" / "ecei" / "sql_history"
    finally:
        if shell.process.poll() is None:
            shell.process.kill()
            shell.close()


def test_a_session_on_a_terminal(terminal: tuple[Terminal, Path], demo_db: Path) -> None:
    shell, history = terminal
    assert "read-only" in shell.expect("ecei> ")
    shell.type("select count(*) as clusters\n")
    shell.expect("...> ")  # no ; yet: the statement goes on
    shell.type("from clusters_current;\n")
    shown = shell.expect("ecei> ")
    assert re.search(r"┃ clusters ┃", shown) and re.search(r"│ \d+\s+│", shown)
    # the same guard as the command: a write is refused in one line, and the shell goes on
    shell.type("drop view clusters_current;\n")
    assert "refused: DROP statements are not allowed" in shell.expect("ecei> ")
    shell.type("select * from no_such_view;\n")
    assert "query failed: " in shell.expect("ecei> ")
    # the terminal's width: the 11 columns do not fit in 60, and the shell says which were left out
    shell.type("select * from clusters_current limit 2;\n")
    shown = shell.expect("ecei> ")
    assert max(len(line) for line in shown.splitlines()) <= 60
    assert "columns not shown: " in shown and "(terminal is 60 wide; use .format csv)" in " ".join(shown.split())
    # a terminal shows 40 rows of a long result, and says how many there were
    shell.type("select range as r from range(100);\n")
    assert "100 rows, 40 shown (the first 20 and the last 20; .maxrows 0 shows" in " ".join(
        shell.expect("ecei> ").split()
    )
    shell.type(".format CSV\n")
    shell.expect("ecei> ")
    shell.type("select 1 as a, [1, 2] as l;\n")
    assert 'a,l\n1,"[1,2]"\n' in shell.expect("ecei> ")
    shell.type(".views\n")
    assert "clusters_current,view," in shell.expect("ecei> ")
    shell.type("select 'dropped' as x\n")
    shell.expect("...> ")
    shell.interrupt(then="ecei> ")  # Ctrl-C: the statement under way is dropped, not run with the next
    shell.type("select 'kept' as x;\n")
    assert shell.expect("ecei> ").split("\n")[-3:-1] == ["x", "kept"]
    shell.type(".help\n")
    assert ".maxrows" in shell.expect("ecei> ")
    shell.type("\x04")  # Ctrl-D
    assert shell.close() == 0
    kept = history.read_text().splitlines()
    assert "select count(*) as clusters from clusters_current;" in kept  # two lines, remembered as one


def test_the_history_of_an_earlier_session_is_recalled(demo_db: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(XDG_STATE_HOME=str(tmp_path / "state"), TERM="xterm")
    history = tmp_path / "state" / "ecei" / "sql_history"
    history.parent.mkdir(parents=True)
    history.write_text("select 41 + 1 as answer;\n")
    shell = Terminal(["sql", "--db", str(demo_db)], 80, env)
    shell.expect("ecei> ")
    shell.type("\x1b[A\n")  # the up arrow brings back the last line of the last session
    assert "┃ answer ┃" in shell.expect("ecei> ")
    shell.type(".quit\n")
    assert shell.close() == 0


SESSION = """\
select 1 as a;
.format json
select [1, 2] as l,
       timestamp '2018-10-15 09:30:00' as t;
delete from versions;
.views
select 3 as last
"""


def test_a_session_piped_in(demo_db: Path) -> None:
    done = subprocess.run(
        [ECEI, "sql", "--db", str(demo_db), "--shell"], input=SESSION, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2  # the highest of its statements': the refused delete
    assert done.stderr.startswith("refused: DELETE statements are not allowed")
    assert "ecei> " not in done.stdout  # no prompts from a pipe
    out = done.stdout.splitlines()
    assert out[:4] == ["┏━━━┓", "┃ a ┃", "┡━━━┩", "│ 1 │"]
    assert '[{"l": [1, 2], "t": "2018-10-15T09:30:00Z"}]' in out
    assert out[-1] == '[{"last": 3}]'  # the last statement of a script needs no ;
    assert any('"name": "clusters_current"' in line for line in out)


def test_ecei_sql_alone_off_a_terminal_reads_its_input_and_never_waits(demo_db: Path) -> None:
    # `ecei sql` alone, its input no terminal: the statements of that input (none here), never a wait
    done = subprocess.run(
        [ECEI, "sql", "--db", str(demo_db)], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("usage error: standard input holds no statement (give a QUERY or -f FILE")


def test_help_lists_every_dot_command_the_shell_accepts(demo_db: Path) -> None:
    from ecei.cli.sql_shell import DISPATCH

    done = subprocess.run(
        [ECEI, "sql", "--db", str(demo_db), "--shell"], input=".help\n", capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    listed = set(re.findall(r"(?<![\w.])\.[a-z]+", done.stdout))
    assert listed == set(DISPATCH)  # a dot command added to the dispatch table cannot be missing here


def test_results_into_files_never_over_the_warehouse(demo_db: Path, tmp_path: Path) -> None:
    session = (
        "select 1 as a;\n"  # --shell -o: into the file, as .output
        "select 2 as b;\n"
        ".output\n"
        "select 3 as on_screen;\n"
        ".once {once}\n"
        "select 4 as d;\n"
        "select 5 as on_screen_again;\n"
        f".output {demo_db}\n"
        f".output {demo_db}.wal\n"
        f".once {demo_db.with_name(demo_db.stem + '.published.duckdb')}\n"
    ).format(once=tmp_path / "once.md")
    target = tmp_path / "out.csv"
    done = subprocess.run(
        [ECEI, "sql", "--db", str(demo_db), "--shell", "-o", str(target)],
        input=session,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2  # the refused outputs
    assert target.read_text() == "a\n1\n\nb\n2\n"  # every result while .output held, a blank line between
    assert (tmp_path / "once.md").read_text() == "| d |\n|---|\n| 4 |\n"  # .once: its suffix chose the format
    assert done.stdout == "on_screen\n3\non_screen_again\n5\n"  # the shell took -o's format: csv
    refusals = [line for line in done.stderr.splitlines() if line.startswith("refused: ")]
    assert [line.split(" is ")[0] for line in refusals] == [
        f"refused: .output {demo_db}",
        f"refused: .output {demo_db}.wal",
        f"refused: .once {demo_db.with_name(demo_db.stem + '.published.duckdb')}",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["once.md", "out.csv"]


def test_tables_schema_and_mode_piped(demo_db: Path) -> None:
    session = ".mode csv\n.tables\n.schema crawl_runs\n.schema no_such\n.mode jsonlines\nselect 1 as a;\n"
    done = subprocess.run(
        [ECEI, "sql", "--db", str(demo_db), "--shell"], input=session, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stderr == "no view or table named no_such (.tables lists them)\n"
    tables, schema = done.stdout.split("name,column_name,data_type\n")
    assert tables.startswith("name,kind\n")
    assert "\nclusters_current,view\n" in tables and "\ncluster_links,table\n" in tables
    assert "clusters_as_of" not in tables  # a table macro: .views lists it
    assert schema.startswith("crawl_runs,run_id,INTEGER\ncrawl_runs,started_at,TIMESTAMP\n")
    assert schema.endswith('\n{"a": 1}\n')  # .mode takes DuckDB's names too


def test_tab_completes_and_dot_commands_on_a_terminal(terminal: tuple[Terminal, Path], tmp_path: Path) -> None:
    shell, _ = terminal
    shell.expect("ecei> ")
    shell.type("sel\t")  # a keyword of DuckDB's, in the case it was begun in
    shell.expect("select ")
    shell.type("count(*) as n from clusters_cur\t")  # a view
    shell.expect("clusters_current ")
    shell.type("where valid_unt\t")  # a column
    shell.expect("valid_until ")
    shell.type("is not null;\n")
    assert "┃ n " in shell.expect("ecei> ")
    shell.type("from clusters_as\t")  # a table macro
    shell.expect("clusters_as_of ")
    shell.type("('2017-01-01') limit 0;\n")
    shell.expect("ecei> ")
    shell.type(".o\t\t")  # two dot commands begin so: a second Tab lists them
    listed = shell.expect("ecei> .o")  # the list, then the line again
    assert ".once" in listed and ".output" in listed
    shell.type("utput " + str(tmp_path / "out.csv") + "\n")
    shell.expect("ecei> ")
    shell.type("select 1 as a;\n")
    assert f"1 row written to {tmp_path / 'out.csv'}" in shell.expect("ecei> ")
    shell.type(".output\n")
    shell.expect("ecei> ")
    assert (tmp_path / "out.csv").read_text() == "a\n1\n"
    shell.type(".tab\t")
    shell.expect(".tables ")
    shell.type("\n")
    tables = shell.expect("ecei> ")
    assert re.search(r"│ clusters_current\s+│ view\s+│", tables) and "clusters_as_of" not in tables
    shell.type(".schema clusters_cur\t")
    shell.expect("clusters_current ")
    shell.type("\n")
    assert re.search(r"│ clusters_current\s+│ valid_until\s+│ DATE\s+│", shell.expect("ecei> "))
    shell.type("\x04")
    assert shell.close() == 0


def test_the_history_is_kept_from_one_session_to_the_next(demo_db: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(XDG_STATE_HOME=str(tmp_path / "state"), TERM="xterm")
    first = Terminal(["sql", "--db", str(demo_db)], 80, env)
    first.expect("ecei> ")
    first.type("select 'remembered' as r;\n")
    first.expect("ecei> ")
    first.type("\x04")  # Ctrl-D: no line of its own in the history
    assert first.close() == 0
    second = Terminal(["sql", "--db", str(demo_db)], 80, env)
    second.expect("ecei> ")
    second.type("\x1b[A\n")  # the up arrow: the last line of the session before
    assert "│ remembered │" in second.expect("ecei> ")
    second.type(".quit\n")
    assert second.close() == 0
