"""The SQL shell: `ecei sql` alone on a terminal (or `ecei sql --shell`), read-only, one statement at a time.

A statement may span lines and ends with `;`. Each one is answered as `ecei sql` answers it (the
same guard, limits and messages, the same table), on a read-only connection opened for that
statement only, so that a refresh can write between two of them. Lines that start with a dot are the
shell's own commands (`.help`). On a terminal the lines are edited with readline and remembered in
the user's state folder; from a pipe the shell reads its input without prompts.
"""

from __future__ import annotations

import os
import sys
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import typer

from ecei.cli.kit import err, out
from ecei.cli.sql import STATEMENT_BYTES, answering
from ecei.cli.sql_formats import FORMATS, TERMINAL_ROWS, Hints, write_result
from warehouse.db import sql_file

if TYPE_CHECKING:
    from ecei.query_settings import QuerySettings
    from ecei.settings import Settings

PROMPT = "ecei> "
MORE = "  ...> "
HINTS = Hints(
    rows=".maxrows 0 shows every row",
    every_row=".format csv gives every row",
    columns="use .format csv",
    values=".format csv or json shows them whole",
)
HELP = f"""\
End a statement with ; (it may span lines). Each is one read, as `ecei sql` runs it.
  .views              the public views, tables and macros, described
  .format [FORMAT]    how results are written: {", ".join(FORMATS)} (now: {{fmt}})
  .maxrows [N]        rows a table shows, 0 = all (now: {{rows}})
  .help               this text
  .quit, .exit        leave (Ctrl-D too); Ctrl-C drops the statement being typed"""


def history_file() -> Path:
    """Where the shell remembers its lines: the user's state folder (XDG), as other shells do."""
    # XDG_STATE_HOME is the desktop's convention for every program, not one of ecei's settings
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "ecei" / "sql_history"


def ends_statement(text: str) -> bool:
    """True when the last thing in `text` (comments aside) is a `;` that DuckDB's tokenizer sees as
    one: not inside a string, a quoted name or a comment."""
    raw = text.encode("utf-8")  # the tokenizer's positions count bytes
    try:
        tokens = [pos for pos, kind in duckdb.tokenize(text) if kind != duckdb.token_type.comment]
    except duckdb.Error:
        return text.rstrip().endswith(";")
    return bool(tokens) and raw[tokens[-1] : tokens[-1] + 1] == b";"


class Shell:
    """One session: its format, its row cap, and the worst exit code of its statements."""

    def __init__(self, chosen: QuerySettings | Settings, path: Path, fmt: str, max_rows: int | None) -> None:
        self.chosen, self.path, self.fmt = chosen, path, fmt
        self.max_rows = max_rows if max_rows is not None else TERMINAL_ROWS
        self.worst = 0

    def run(self, statement: str) -> None:
        """Answer one statement as `ecei sql` would, its refusal or failure said and remembered."""
        try:
            with answering(self.chosen, self.path, statement) as found:
                write_result(
                    self.fmt,
                    sys.stdout,
                    out,
                    found.columns,
                    found.batches(),
                    terminal=True,
                    max_rows=self.max_rows,
                    hints=HINTS,
                )
        except typer.Exit as exited:  # kit.outcomes said why on stderr
            self.worst = max(self.worst, exited.exit_code)
            return
        except KeyboardInterrupt:
            err.print("interrupted", highlight=False)
            return
        finally:
            sys.stdout.flush()

    def command(self, line: str) -> bool:
        """A dot command; False when it ends the session."""
        name, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        if name in (".quit", ".exit"):
            return False
        if name == ".help":
            out.print(HELP.format(fmt=self.fmt, rows=self.max_rows or "all"), highlight=False, markup=False)
        elif name == ".views":
            self.run(sql_file("public_objects.sql"))
        elif name in (".format", ".mode") and rest.lower() in FORMATS:
            self.fmt = rest.lower()
        elif name in (".format", ".mode") and not rest:
            out.print(self.fmt, highlight=False, markup=False)
        elif name == ".maxrows" and rest.isdigit():
            self.max_rows = int(rest)
        elif name == ".maxrows" and not rest:
            out.print(str(self.max_rows or "all"), highlight=False, markup=False)
        else:
            err.print(f"not a shell command: {line.strip()} (see .help)", highlight=False, markup=False)
            self.worst = max(self.worst, 2)
        return True


def _read(prompt: str, interactive: bool) -> str | None:
    """The next line, None at the end: typed at `prompt` (readline), or read from the pipe."""
    if not interactive:
        line = sys.stdin.readline(STATEMENT_BYTES + 1)  # a /dev/zero must not fill the memory
        return line.rstrip("\n") if line else None
    try:
        return input(prompt)
    except EOFError:  # Ctrl-D
        sys.stdout.write("\n")
        return None


def _start_history(history: Path) -> None:
    import readline  # on a terminal only: line editing, and the lines of earlier sessions

    with suppress(OSError):  # a first session, or a history that cannot be read: start afresh
        readline.read_history_file(history)
    readline.set_history_length(1000)


def _remember(lines: int) -> None:
    """A statement typed over several lines becomes one line of the history, to recall whole."""
    import readline

    length = readline.get_current_history_length()
    if lines < 2 or length < lines:
        return
    joined = " ".join(readline.get_history_item(i).strip() for i in range(length - lines + 1, length + 1))
    for _ in range(lines):
        readline.remove_history_item(readline.get_current_history_length() - 1)
    readline.add_history(joined)


def _keep_history(history: Path) -> None:
    import readline

    try:
        history.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(history)
    except OSError as exc:
        err.print(f"the shell's history was not kept: {history}: {exc.strerror}", highlight=False, markup=False)


def run_shell(chosen: QuerySettings | Settings, path: Path, fmt: str, max_rows: int | None, interactive: bool) -> int:
    """The session; its exit code: 0 on a terminal, else the highest of its statements' (0 if all ran)."""
    shell = Shell(chosen, path, fmt, max_rows)
    history = history_file()
    if interactive:
        _start_history(history)
        banner = f"ecei-watch SQL shell on {path}, read-only. End a statement with ;  .help for help, .quit to leave."
        out.print(banner, highlight=False, markup=False)
    buffer: list[str] = []
    held = 0  # characters of the statement being read
    try:
        while True:
            try:
                line = _read(MORE if buffer else PROMPT, interactive)
            except KeyboardInterrupt:  # Ctrl-C: the statement being typed is dropped
                sys.stdout.write("\n")
                buffer, held = [], 0
                continue
            if line is None:
                break
            if not buffer and line.lstrip().startswith("."):
                if not shell.command(line):
                    break
                continue
            if buffer or line.strip():
                buffer.append(line)
                held += len(line) + 1
            if held > STATEMENT_BYTES:
                err.print(
                    f"refused: a statement longer than {STATEMENT_BYTES:,} characters; the shell stops here",
                    highlight=False,
                    markup=False,
                )
                return 2
            if buffer and ends_statement("\n".join(buffer)):
                if interactive:
                    _remember(len(buffer))
                shell.run("\n".join(buffer))
                buffer, held = [], 0
    finally:
        if interactive:
            _keep_history(history)
    if buffer and not interactive:
        shell.run("\n".join(buffer))  # the last statement of a script need not end with ;
    return 0 if interactive else shell.worst
