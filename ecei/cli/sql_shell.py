"""The SQL shell: `ecei sql` alone on a terminal (or `ecei sql --shell`), read-only.

A statement may span lines and ends with `;`. Each one is answered as `ecei sql` answers it (the
same guard, limits and messages, the same table), on a read-only connection opened for that
statement only, so that a refresh can write between two of them; several on one line run in
order. Lines that start with a dot are the shell's own commands (COMMANDS, which `.help` lists).
Results go to the terminal, or to a file (`.output`, `.once`, `--shell -o FILE`) written through
ecei.outputs.files, so that no output replaces the warehouse or a file beside it. On a terminal the lines
are edited with readline, completed at Tab (ecei.cli.sql_complete) and remembered in the user's
state folder; from a pipe the shell reads its input without prompts.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import typer

from ecei.cli.kit import err, out, outcomes
from ecei.cli.sql_answer import STATEMENT_BYTES, answer_script, answering
from ecei.cli.sql_complete import DELIMITERS, Completer
from ecei.cli.sql_formats import FORMATS, SUFFIXES, TERMINAL_ROWS, Hints, Sink
from ecei.outputs.files import STDOUT, check_output, guard, output_stream
from ecei.outputs.formats import Batches
from warehouse.db import sql_file
from warehouse.query import run_query, split_script

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
INTRO = "End a statement with ; (it may span lines). Each is one read, as `ecei sql` runs it."
# DuckDB's CLI's names of its .mode values, for the formats they match here
MODES = {"box": "table", "duckbox": "table", "tabs": "tsv", "jsonlines": "jsonl", "ndjson": "jsonl"}


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


def _public(kinds: str) -> str:
    """The public objects of the kinds named (SQL), as --views lists them."""
    return f"select name, kind from ({sql_file('public_objects.sql')}) where kind in ({kinds}) order by name"


class Shell:
    """One session: its format, its row cap, where its results go, and the worst exit code of its statements."""

    def __init__(
        self,
        chosen: QuerySettings | Settings,
        path: Path,
        fmt: str,
        max_rows: int | None,
        output: Path | None = None,
    ) -> None:
        self.chosen, self.path, self.fmt = chosen, path, fmt
        self.max_rows = max_rows if max_rows is not None else TERMINAL_ROWS
        self.worst = 0
        self.guarded = guard(chosen.db)
        self.output = output  # .output FILE: every result goes there, the file rewritten whole each time
        self.kept = False  # the .output file holds results of this session: the next goes after them
        self.once: Path | None = None  # .once FILE: the next result only
        self._screen: Sink | None = None

    @contextmanager
    def _said(self) -> Iterator[None]:
        """A refusal or failure said (kit.outcomes did, on stderr) and remembered; the shell goes on."""
        self._screen = None  # a blank line between results of one input, none before the next prompt
        try:
            yield
        except typer.Exit as exited:
            self.worst = max(self.worst, exited.exit_code)
        except KeyboardInterrupt:
            err.print("interrupted", highlight=False)
        finally:
            sys.stdout.flush()

    def run(self, text: str) -> None:
        """Answer each statement of `text` as `ecei sql` would, the first refusal or failure said and remembered."""
        with self._said():
            answer_script(self.chosen, self.path, split_script(text), self.write)

    def write(self, columns: list[str], batches: Batches, types: Sequence[str] = ()) -> None:
        """A result to the terminal, or to the file of .once or .output."""
        target = self.once or self.output
        if target is None:
            if self._screen is None:
                self._screen = Sink(self.fmt, sys.stdout, out, True, self.max_rows, HINTS)
            self._screen.write(columns, batches, types)
            return
        once, self.once = self.once is not None, None  # .once is spent, whether the result comes or not
        after = not once and self.kept
        fmt = SUFFIXES.get(target.suffix.lower(), self.fmt)
        with output_stream(target, self.guarded, ".once" if once else ".output") as stream:
            earlier = 0
            if after:
                with suppress(FileNotFoundError), target.open(encoding="utf-8", newline="") as held:
                    shutil.copyfileobj(held, stream)
                    earlier = 1
            sink = Sink.to_file(fmt, stream, HINTS, results=earlier)
            rows = sink.write(columns, batches, types)
        self.kept = self.kept or not once
        said = f"{rows:,} row{'' if rows == 1 else 's'} {'added' if after else 'written'} to {target}"
        err.print(said, highlight=False, markup=False)

    def command(self, line: str) -> bool:
        """A dot command; False when it ends the session."""
        name, _, rest = line.strip().partition(" ")
        found = DISPATCH.get(name.lower())
        if found is None:
            return self._wrong(f"not a shell command: {line.strip()} (see .help)")
        return found.act(self, rest.strip())

    def _wrong(self, said: str) -> bool:
        err.print(said, highlight=False, markup=False)
        self.worst = max(self.worst, 2)
        return True

    # --- the dot commands (COMMANDS) ---

    def tables(self, rest: str) -> bool:
        self.run(_public("'view', 'table'"))
        return True

    def views(self, rest: str) -> bool:
        self.run(sql_file("public_objects.sql"))
        return True

    def schema(self, rest: str) -> bool:
        with self._said():
            with answering(self.chosen, self.path, sql_file("public_columns.sql"), "", {"name": rest or None}) as found:
                columns, rows = found.columns, [row for batch in found.batches() for row in batch]
            if not rows and rest:
                self._wrong(f"no view or table named {rest} (.tables lists them)")
                return True
            with outcomes(failed="could not write the result"):
                self.write(columns, [rows])
        return True

    def format(self, rest: str) -> bool:
        if not rest:
            out.print(self.fmt, highlight=False, markup=False)
        elif (chosen := MODES.get(rest.lower(), rest.lower())) in FORMATS:
            self.fmt = chosen
        else:
            self._wrong(f"not a format: {rest} (one of {', '.join(FORMATS)})")
        return True

    def maxrows(self, rest: str) -> bool:
        if not rest:
            out.print(str(self.max_rows or "all"), highlight=False, markup=False)
        elif rest.isdigit():
            self.max_rows = int(rest)
        else:
            self._wrong(f"not a number of rows (0 or more): {rest}")
        return True

    def output_to(self, rest: str) -> bool:
        if not rest or rest == STDOUT:
            self.output, self.kept = None, False
            return True
        if (target := self._file(".output", rest)) is not None:
            self.output, self.kept = target, False
        return True

    def once_to(self, rest: str) -> bool:
        if not rest:
            return self._wrong(".once needs a FILE: the next result goes there")
        self.once = self._file(".once", rest)
        return True

    def _file(self, option: str, name: str) -> Path | None:
        """The file a .output or .once names, if it may be written (ecei.outputs.files: never the warehouse)."""
        target = Path(name).expanduser()
        if not target.parent.is_dir():
            self._wrong(f"{option} {name}: there is no folder {target.parent}")
            return None
        checked = None  # stays None when refused: _said swallows the exit (mypy cannot see it do so)
        with self._said(), outcomes():
            check_output(target, self.guarded, option)
            checked = target
        return checked

    def help(self, rest: str) -> bool:
        out.print(help_text(self), highlight=False, markup=False, soft_wrap=True)
        return True

    def quit(self, rest: str) -> bool:
        return False


@dataclass(frozen=True)
class DotCommand:
    """A line of the shell that starts with a dot: its names, what it takes, what it does (for
    .help; {fmt}, {rows} and {output} say the session's), and the Shell method that does it."""

    names: tuple[str, ...]
    takes: str
    says: str
    act: Callable[[Shell, str], bool]
    argument: str = ""  # what Tab completes after it: "format", "relation"


COMMANDS = (
    DotCommand((".tables",), "", "the public views and tables", Shell.tables),
    DotCommand(
        (".schema",),
        "[NAME]",
        "the columns and types of view or table NAME, or of every public one",
        Shell.schema,
        "relation",
    ),
    DotCommand((".views",), "", "the public views, tables and macros, described", Shell.views),
    DotCommand(
        (".format", ".mode"),
        "[FORMAT]",
        f"how results are written: {', '.join(FORMATS)} (now: {{fmt}})",
        Shell.format,
        "format",
    ),
    DotCommand((".maxrows",), "[N]", "rows a table shows, 0 = all (now: {rows})", Shell.maxrows),
    DotCommand(
        (".output",),
        "[FILE]",
        "every result from now on into FILE, in the format its suffix names (else .format's); "
        "alone: back to the terminal (now: {output})",
        Shell.output_to,
    ),
    DotCommand((".once",), "FILE", "the next result only into FILE", Shell.once_to),
    DotCommand((".help",), "", "this text", Shell.help),
    DotCommand((".quit", ".exit"), "", "leave (Ctrl-D too); Ctrl-C drops the statement being typed", Shell.quit),
)
DISPATCH = {name: command for command in COMMANDS for name in command.names}


def help_text(shell: Shell) -> str:
    """What .help says: every dot command of COMMANDS, with the session's settings."""
    heads = [f"{', '.join(c.names)} {c.takes}".rstrip() for c in COMMANDS]
    width = max(map(len, heads)) + 2
    now: dict[str, Any] = {
        "fmt": shell.fmt,
        "rows": shell.max_rows or "all",
        "output": shell.output or "the terminal",
    }
    lines = [f"  {head:<{width}}{c.says.format(**now)}" for head, c in zip(heads, COMMANDS, strict=True)]
    return "\n".join([INTRO, *lines])


def _words(chosen: QuerySettings | Settings, path: Path) -> list[tuple[str, str]]:
    """The words Tab completes, read once (through the read-only guard); none if the warehouse cannot say."""
    try:
        _, rows = run_query(
            path, sql_file("shell_words.sql"), chosen.busy_timeout, chosen.sql_timeout, chosen.sql_memory_limit
        )
    except Exception:  # a busy or broken warehouse: the shell goes on, completing nothing
        return []
    return [(str(word), str(kind)) for word, kind in rows]


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


def _start_completion(chosen: QuerySettings | Settings, path: Path) -> None:
    import readline

    completer = Completer(
        lambda: _words(chosen, path),
        sorted(DISPATCH),
        [*FORMATS, *MODES],
        {name: c.argument for name, c in DISPATCH.items() if c.argument},
    )
    readline.set_completer(completer.complete)
    readline.set_completer_delims(DELIMITERS)
    # macOS's Python may link libedit, which reads its bindings in its own syntax
    bind = "bind ^I rl_complete" if "libedit" in (readline.__doc__ or "") else "tab: complete"
    readline.parse_and_bind(bind)


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


def run_shell(
    chosen: QuerySettings | Settings,
    path: Path,
    fmt: str,
    max_rows: int | None,
    interactive: bool,
    output: Path | None = None,
) -> int:
    """The session, its results into `output` if given (as .output); its exit code: 0 on a terminal,
    else the highest of its statements' (0 if all ran)."""
    shell = Shell(chosen, path, fmt, max_rows, output)
    history = history_file()
    if interactive:
        _start_history(history)
        _start_completion(chosen, path)
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
